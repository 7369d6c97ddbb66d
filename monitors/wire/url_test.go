package wire_test

import (
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/wire"
)

func TestParseTransportURL(t *testing.T) {
	type broker struct{ addr, user, pass, vhost string }
	cases := []struct {
		name, in string
		want     []broker
		tls      bool
		err      string
	}{
		{name: "oslo single", in: "rabbit://nova:s3cret@ctl1:5672/",
			want: []broker{{"ctl1:5672", "nova", "s3cret", "/"}}},
		{name: "amqp passes through", in: "amqp://guest:guest@127.0.0.1:5672/",
			want: []broker{{"127.0.0.1:5672", "guest", "guest", "/"}}},
		{name: "no path is vhost /", in: "rabbit://u:p@h",
			want: []broker{{"h:5672", "u", "p", "/"}}},
		{name: "named vhost", in: "rabbit://u:p@h:5673/openstack",
			want: []broker{{"h:5673", "u", "p", "openstack"}}},
		{name: "escaped vhost /", in: "amqp://u:p@h/%2F",
			want: []broker{{"h:5672", "u", "p", "/"}}},
		{name: "three hosts, own credentials", in: "rabbit://a:1@c1:5672,b:2@c2:5673,c:3@c3/os",
			want: []broker{{"c1:5672", "a", "1", "os"}, {"c2:5673", "b", "2", "os"}, {"c3:5672", "c", "3", "os"}}},
		{name: "host without credentials inherits the previous", in: "rabbit://a:1@c1,c2:5673/",
			want: []broker{{"c1:5672", "a", "1", "/"}, {"c2:5673", "a", "1", "/"}}},
		{name: "no credentials anywhere is guest", in: "rabbit://c1/",
			want: []broker{{"c1:5672", "guest", "guest", "/"}}},
		{name: "percent-encoded password with @ and :", in: "rabbit://u:p%40ss%3Aw@h/",
			want: []broker{{"h:5672", "u", "p@ss:w", "/"}}},
		{name: "raw @ in password: last @ splits", in: "rabbit://u:p@ss@h/",
			want: []broker{{"h:5672", "u", "p@ss", "/"}}},
		{name: "ipv6", in: "rabbit://u:p@[::1]:5999/",
			want: []broker{{"[::1]:5999", "u", "p", "/"}}},
		{name: "ssl=1 selects TLS and 5671", in: "rabbit://u:p@h/?ssl=1", tls: true,
			want: []broker{{"h:5671", "u", "p", "/"}}},
		{name: "amqps", in: "amqps://u:p@h:6000/", tls: true,
			want: []broker{{"h:6000", "u", "p", "/"}}},
		{name: "kombu prefix", in: "kombu+rabbit://u:p@h/",
			want: []broker{{"h:5672", "u", "p", "/"}}},

		{name: "empty", in: " ", err: "transport_url is empty"},
		{name: "no scheme", in: "ctl1:5672", err: "has no scheme"},
		{name: "other driver", in: "kafka://h:9092/", err: `scheme "kafka" is not supported`},
		{name: "no host", in: "rabbit:///", err: "names no host"},
		{name: "empty host in list", in: "rabbit://a:1@c1,,c2/", err: "host 2 is empty"},
		{name: "bad port", in: "rabbit://u:p@h:99999/", err: `host 1 (h:99999): port "99999"`},
		{name: "port not a number", in: "rabbit://u:p@h:amqp/", err: `port "amqp"`},
		{name: "unclosed ipv6", in: "rabbit://u:p@[::1/", err: "unclosed ["},
		{name: "bad ssl", in: "rabbit://u:p@h/?ssl=maybe", err: `ssl="maybe": not a boolean`},
		{name: "bad password escape keeps the password out", in: "rabbit://u:hunter2%zz@h/", err: "password is not valid percent-encoding"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := wire.ParseTransportURL(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.NotContains(t, err.Error(), "hunter2")
				return
			}
			require.NoError(t, err)
			require.Len(t, tr.Brokers, len(tc.want))
			for i, w := range tc.want {
				b := tr.Brokers[i]
				require.Equal(t, w.addr, b.Addr)
				// What the URL means is what amqp091-go reads from it.
				uri, err := amqp.ParseURI(b.URL)
				require.NoError(t, err, b.URL)
				require.Equal(t, w.user, uri.Username)
				require.Equal(t, w.pass, uri.Password)
				require.Equal(t, w.vhost, uri.Vhost)
				require.Equal(t, tc.tls, uri.Scheme == "amqps")
				require.Equal(t, w.vhost, tr.VHost)
			}
		})
	}
}

func FuzzParseTransportURL(f *testing.F) {
	for _, s := range []string{"rabbit://a:1@c1:5672,b:2@c2/os?ssl=0", "amqp://guest:guest@127.0.0.1:5672/", "rabbit://[::1]/%2F", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := wire.ParseTransportURL(s)
		if err != nil {
			return
		}
		if len(tr.Brokers) == 0 {
			t.Fatalf("%q: parsed with no broker", s)
		}
		for _, b := range tr.Brokers {
			if _, err := amqp.ParseURI(b.URL); err != nil {
				t.Fatalf("%q: broker URL %q does not parse: %v", s, b.URL, err)
			}
			if strings.Contains(b.Addr, "@") {
				t.Fatalf("%q: address %q holds credentials", s, b.Addr)
			}
		}
	})
}
