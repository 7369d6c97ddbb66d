// Package horizon holds the test (build tag horizon, make horizon) that
// drives Debian 12's Horizon with python3-masakari-dashboard in headless
// Chromium against a real lazarus-api, which Horizon finds through the e2e
// cloud's Keystone catalog; horizon.sh runs Horizon under uwsgi.
package horizon
