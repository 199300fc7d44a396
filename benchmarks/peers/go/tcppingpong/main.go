// Command tcppingpong is the Go peer of troupe's BM_TcpPingPong: over loopback,
// each of -pairs client goroutines writes 64 bytes to its own echo goroutine
// and reads the 64 bytes back, 40,000 round trips in total per repetition,
// with net.Conn (Go's netpoller). Items = round trips. It reports
// BM_TcpPingPong/1 and BM_TcpPingPong/16, as troupe's benchmark does.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

const messageBytes = 64
const roundTripsTotal = 40000

func rep(pairs int) (time.Duration, error) {
	start := time.Now()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer listener.Close()
	roundTrips := roundTripsTotal / pairs
	var wg sync.WaitGroup
	errs := make(chan error, 2*pairs)
	for p := 0; p < pairs; p++ {
		wg.Add(2)
		go func() { // the echo side
			defer wg.Done()
			conn, err := listener.Accept()
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			buffer := make([]byte, messageBytes)
			for i := 0; i < roundTrips; i++ {
				if _, err := io.ReadFull(conn, buffer); err != nil {
					errs <- err
					return
				}
				if _, err := conn.Write(buffer); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // the client
			defer wg.Done()
			conn, err := net.Dial("tcp", listener.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			message := make([]byte, messageBytes)
			reply := make([]byte, messageBytes)
			for i := 0; i < roundTrips; i++ {
				if _, err := conn.Write(message); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(conn, reply); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return 0, fmt.Errorf("tcppingpong: %v", err)
	}
	return time.Since(start), nil
}

func main() {
	b := report.New("BM_TcpPingPong")
	flag.Parse()
	b.Init(true, "tcppingpong: -procs and -reps must be >= 1")
	for _, pairs := range []int{1, 16} {
		b.Name = fmt.Sprintf("BM_TcpPingPong/%d", pairs)
		items := int64(roundTripsTotal / pairs * pairs)
		b.Run(items, func() (time.Duration, error) { return rep(pairs) }, nil)
	}
}
