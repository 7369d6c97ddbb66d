package wire_test

import (
	"net/url"
	"os"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/wire"
	"github.com/lazarus-ha/lazarus/monitors/wire/wiretest"
)

// brokerAddr is the real RabbitMQ the tests use (TEST_RABBITMQ_URL).
func brokerAddr(t *testing.T) (addr, user, pass string) {
	t.Helper()
	raw := os.Getenv("TEST_RABBITMQ_URL")
	if raw == "" {
		raw = "amqp://guest:guest@127.0.0.1:5672/"
	}
	u, err := url.Parse(raw)
	require.NoError(t, err)
	p, _ := u.User.Password()
	return u.Host, u.User.Username(), p
}

func TestDialSkipsABrokerThatIsDown(t *testing.T) {
	addr, user, pass := brokerAddr(t)
	dead := wiretest.DeadAddr(t)
	d, err := wire.NewDialer("rabbit://"+user+":"+pass+"@"+dead+","+addr+"/", wire.DialConfig{Name: "wire test"})
	require.NoError(t, err)
	conn, got, err := d.Dial()
	require.NoError(t, err)
	defer conn.Close()
	require.Equal(t, addr, got)
	ch, err := conn.Channel()
	require.NoError(t, err)
	require.NoError(t, ch.Close())
}

func TestDialNamesEveryBrokerWhenNoneAnswers(t *testing.T) {
	a, b := wiretest.DeadAddr(t), wiretest.DeadAddr(t)
	d, err := wire.NewDialer("rabbit://u:hunter2@"+a+",u:hunter2@"+b+"/", wire.DialConfig{})
	require.NoError(t, err)
	_, _, err = d.Dial()
	require.Error(t, err)
	require.Contains(t, err.Error(), "no broker answered")
	require.Contains(t, err.Error(), a)
	require.Contains(t, err.Error(), b)
	require.NotContains(t, err.Error(), "hunter2")
}

// Two broker "nodes" on two ports: when the one in use dies, the next dial
// goes to the other, and when that one dies too and the first is back, to
// the first again.
func TestDialFailsOverBetweenTwoPorts(t *testing.T) {
	addr, user, pass := brokerAddr(t)
	p1, p2 := wiretest.NewProxy(t, addr), wiretest.NewProxy(t, addr)
	d, err := wire.NewDialer("rabbit://"+user+":"+pass+"@"+p1.Addr()+","+user+":"+pass+"@"+p2.Addr()+"/", wire.DialConfig{})
	require.NoError(t, err)

	conn, got, err := d.Dial()
	require.NoError(t, err)
	require.Equal(t, p1.Addr(), got)
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	p1.Kill()
	<-closed // the client sees its broker go

	conn2, got, err := d.Dial()
	require.NoError(t, err)
	defer conn2.Close()
	require.Equal(t, p2.Addr(), got)
	require.False(t, conn2.IsClosed())
	ch, err := conn2.Channel()
	require.NoError(t, err)
	require.NoError(t, wire.DeclareHeartbeatQueue(ch, "lazarus.wiretest."+strings.ReplaceAll(t.Name(), "/", ".")))
	_, err = ch.QueueDelete(wire.HeartbeatQueue("lazarus.wiretest."+strings.ReplaceAll(t.Name(), "/", ".")), false, false, false)
	require.NoError(t, err)
}
