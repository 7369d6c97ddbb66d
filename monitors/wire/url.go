package wire

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Broker is one host of a transport URL, as a URL amqp091-go can dial.
type Broker struct {
	// URL is the amqp:// or amqps:// URL of this host, credentials and
	// virtual host included. It holds the password: never log it.
	URL string
	// Addr is host:port, for logs and errors.
	Addr string
}

// Transport is a parsed transport_url: one or more brokers sharing a
// virtual host.
type Transport struct {
	Brokers []Broker
	// VHost is the virtual host ("/" when the URL names none).
	VHost string
}

// ParseTransportURL parses an oslo.messaging transport_url (rabbit://,
// several comma-separated hosts allowed) or a plain amqp:// / amqps:// URL.
// The errors name the part that is wrong and never contain the password.
func ParseTransportURL(raw string) (*Transport, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("transport_url is empty")
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, errors.New("transport_url has no scheme: want rabbit://, amqp:// or amqps://")
	}
	tls := false
	switch strings.ToLower(scheme) {
	case "rabbit", "amqp", "kombu+rabbit", "kombu+amqp":
	case "amqps", "rabbits":
		tls = true
	default:
		return nil, fmt.Errorf("transport_url scheme %q is not supported: want rabbit://, amqp:// or amqps://", scheme)
	}
	netloc, path := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		netloc, path = rest[:i], rest[i:]
	}
	path, query, _ := strings.Cut(path, "?")
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("transport_url query: %v", err)
		}
		if v := q.Get("ssl"); v != "" {
			b, err := parseBool(v)
			if err != nil {
				return nil, fmt.Errorf("transport_url query ssl=%q: %v", v, err)
			}
			tls = tls || b
		}
	}
	vhost := "/"
	if p := strings.TrimPrefix(path, "/"); p != "" {
		v, err := url.PathUnescape(p)
		if err != nil {
			return nil, fmt.Errorf("transport_url virtual host: %v", err)
		}
		vhost = v
	}
	if netloc == "" {
		return nil, errors.New("transport_url names no host")
	}
	t := &Transport{VHost: vhost}
	user := url.UserPassword("guest", "guest")
	for i, h := range strings.Split(netloc, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fmt.Errorf("transport_url host %d is empty", i+1)
		}
		if at := strings.LastIndex(h, "@"); at >= 0 {
			creds := h[:at]
			h = h[at+1:]
			name, pass, hasPass := strings.Cut(creds, ":")
			n, err := url.PathUnescape(name)
			if err != nil {
				return nil, fmt.Errorf("transport_url host %d: user name: %v", i+1, err)
			}
			if hasPass {
				p, err := url.PathUnescape(pass)
				if err != nil {
					return nil, fmt.Errorf("transport_url host %d: password is not valid percent-encoding", i+1)
				}
				user = url.UserPassword(n, p)
			} else {
				user = url.User(n)
			}
		}
		addr, err := hostPort(h, tls)
		if err != nil {
			return nil, fmt.Errorf("transport_url host %d (%s): %v", i+1, h, err)
		}
		s := "amqp"
		if tls {
			s = "amqps"
		}
		u := url.URL{Scheme: s, User: user, Host: addr, Path: "/" + vhost}
		if vhost == "/" {
			// amqp091-go reads an empty path as "/" and "//" as "/" too, but
			// "/%2F" is the spelling RabbitMQ documents.
			u.Path, u.RawPath = "//", "/%2F"
		}
		t.Brokers = append(t.Brokers, Broker{URL: u.String(), Addr: addr})
	}
	return t, nil
}

// hostPort checks host[:port] (IPv6 in brackets) and adds the default port.
func hostPort(h string, tls bool) (string, error) {
	port := "5672"
	if tls {
		port = "5671"
	}
	host := h
	if strings.HasPrefix(h, "[") {
		end := strings.Index(h, "]")
		if end < 0 {
			return "", errors.New("unclosed [ in IPv6 address")
		}
		host = h[1:end]
		if r := h[end+1:]; r != "" {
			if !strings.HasPrefix(r, ":") {
				return "", errors.New("junk after IPv6 address")
			}
			port = r[1:]
		}
	} else if i := strings.LastIndex(h, ":"); i >= 0 {
		host, port = h[:i], h[i+1:]
	}
	if host == "" {
		return "", errors.New("no host name")
	}
	if strings.ContainsAny(host, " /\\@") {
		return "", errors.New("host name contains an invalid character")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, errors.New("not a boolean")
}
