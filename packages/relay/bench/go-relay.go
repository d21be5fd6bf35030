// Peer "Go relay": what a user would pick instead of a Node relay, written
// the obvious way with gorilla/websocket: one goroutine per direction,
// 64 KiB buffers, no compression, TCP_NODELAY on both sockets. Built by the
// bench from Debian's golang-go and golang-github-gorilla-websocket-dev
// (GOPATH=/usr/share/gocode GO111MODULE=off).
//
// Usage: go-relay TARGET_HOST:PORT
// Prints {"msg":"relay listening","url":"ws://127.0.0.1:PORT/"} once it listens.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

const bufferBytes = 64 * 1024

var upgrader = websocket.Upgrader{
	ReadBufferSize:    bufferBytes,
	WriteBufferSize:   bufferBytes,
	EnableCompression: false,
	Subprotocols:      []string{"binary"},
	CheckOrigin:       func(*http.Request) bool { return true },
}

func relay(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // the upgrader has answered the request
		}
		defer ws.Close()
		if c, ok := ws.UnderlyingConn().(*net.TCPConn); ok {
			c.SetNoDelay(true)
		}
		conn, err := net.Dial("tcp", target)
		if err != nil {
			ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(4000, "target refused"), time.Now().Add(time.Second))
			return
		}
		tcp := conn.(*net.TCPConn)
		tcp.SetNoDelay(true)
		defer tcp.Close()

		// Browser to target: each message's payload is copied to the socket.
		go func() {
			buf := make([]byte, bufferBytes)
			for {
				_, reader, err := ws.NextReader()
				if err != nil {
					break
				}
				if _, err := io.CopyBuffer(tcp, reader, buf); err != nil {
					break
				}
			}
			tcp.CloseWrite()
		}()

		// Target to browser: each read becomes one binary message.
		buf := make([]byte, bufferBytes)
		for {
			n, err := tcp.Read(buf)
			if n > 0 {
				if werr := ws.WriteMessage(websocket.BinaryMessage, buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				break
			}
		}
		ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-relay TARGET_HOST:PORT")
		os.Exit(2)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		os.Exit(0)
	}()
	port := listener.Addr().(*net.TCPAddr).Port
	fmt.Printf("{\"msg\":\"relay listening\",\"url\":\"ws://127.0.0.1:%d/\"}\n", port)
	server := &http.Server{Handler: relay(os.Args[1])}
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
