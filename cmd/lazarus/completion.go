package main

import (
	"github.com/spf13/cobra"
)

func (a *app) completionCommand(root *cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh",
		Short: "Print a shell completion script",
		Long: "Print a completion script for bash or zsh. For bash: source <(lazarus completion bash); " +
			"for zsh: lazarus completion zsh > \"${fpath[1]}/_lazarus\".",
		Args: exactArgs("<shell>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(a.io.out, true)
			case "zsh":
				return root.GenZshCompletion(a.io.out)
			}
			return choiceError("<shell>", args[0], []string{"bash", "zsh"})
		},
	}
	return cmd
}
