// Package ops tests what an operator installs next to the binaries: the
// systemd units in etc/systemd (systemd-analyze verify), the Prometheus
// alert rules in etc/prometheus (promtool check rules, promtool test
// rules), the Grafana dashboard in etc/grafana (valid JSON whose queries
// name only metrics the daemons register), and the Debian package that
// `make deb` builds (installed with dpkg -i in a throwaway Debian 12 root).
package ops
