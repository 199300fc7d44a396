// Command httpservice is the Go net/http peer of troupe's services/http_server, for
// benchmarks/http_load.sh: GET /hello, and GET/PUT/DELETE /kv/<key> held by shard
// goroutines that each own a map and take requests over a channel (actor-style).
package main

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type op struct {
	method, key, value string
	reply              chan result
}

type result struct {
	value string
	found bool
}

// shard owns its map; only its goroutine touches it.
func shard(requests <-chan op) {
	data := map[string]string{}
	for r := range requests {
		switch r.method {
		case "GET":
			v, ok := data[r.key]
			r.reply <- result{v, ok}
		case "PUT":
			data[r.key] = r.value
			r.reply <- result{found: true}
		case "DELETE":
			_, ok := data[r.key]
			delete(data, r.key)
			r.reply <- result{found: ok}
		}
	}
}

func main() {
	port := flag.Int("port", 8081, "TCP port on 127.0.0.1")
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	shards := flag.Int("kv_shards", 4, "goroutines holding the key-value store")
	flag.Parse()
	runtime.GOMAXPROCS(*procs)

	queues := make([]chan op, *shards)
	for i := range queues {
		queues[i] = make(chan op, 64)
		go shard(queues[i])
	}
	ask := func(method, key, value string) result {
		h := fnv.New32a()
		h.Write([]byte(key))
		reply := make(chan result, 1)
		queues[h.Sum32()%uint32(len(queues))] <- op{method, key, value, reply}
		return <-reply
	}
	text := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		text(w, 200, "hello, world\n")
	})
	mux.HandleFunc("/kv/", func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, "/kv/")
		switch r.Method {
		case "GET":
			res := ask("GET", key, "")
			if !res.found {
				text(w, 404, "no such key\n")
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			io.WriteString(w, res.value)
		case "PUT":
			body, err := io.ReadAll(r.Body)
			if err != nil {
				text(w, 400, "bad body\n")
				return
			}
			ask("PUT", key, string(body))
			w.WriteHeader(204)
		case "DELETE":
			if !ask("DELETE", key, "").found {
				text(w, 404, "no such key\n")
				return
			}
			w.WriteHeader(204)
		default:
			text(w, 405, "use GET, PUT or DELETE\n")
		}
	})

	server := &http.Server{Addr: fmt.Sprintf("127.0.0.1:%d", *port), Handler: mux}
	done := make(chan struct{})
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
		<-signals
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		server.Shutdown(ctx)
		close(done)
	}()
	log.Printf("httpservice: listening on %s", server.Addr)
	if err := server.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
	<-done
}
