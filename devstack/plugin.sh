# shellcheck shell=bash
# DevStack plugin entry point for Lazarus. DevStack sources this file with
# the mode ($1: stack, unstack, clean) and the phase ($2).

# shellcheck source=devstack/lib/lazarus disable=SC1091
source "$LAZARUS_DIR/devstack/lib/lazarus"

if is_lazarus_enabled; then
    case "$1" in
    stack)
        case "$2" in
        install)
            echo_summary "Installing Lazarus"
            install_lazarus
            ;;
        post-config)
            echo_summary "Configuring Lazarus"
            configure_lazarus
            if is_service_enabled key; then
                create_lazarus_accounts
            fi
            ;;
        extra)
            echo_summary "Starting Lazarus"
            init_lazarus
            start_lazarus
            ;;
        test-config)
            if [[ "$LAZARUS_SMOKE_TEST" == "True" ]]; then
                echo_summary "Lazarus smoke test"
                smoke_lazarus
            fi
            ;;
        esac
        ;;
    unstack)
        stop_lazarus
        ;;
    clean)
        stop_lazarus
        cleanup_lazarus
        ;;
    esac
fi
