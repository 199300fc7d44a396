package main

import (
	"fmt"
	"sync"
)

// chameneos is Savina's Chameneos (benchmarks/savina/chameneos.cc): creatures
// chameneos meet in pairs at a mall until meetings meetings took place, then fade,
// report their count of meetings to the mall, and exit; the mall exits after the
// last report.
func chameneos(creatures, meetings int64) error {
	const (
		meet    = iota // to the mall: a request; to a creature: the partner's request
		change         // the partner's new colour
		exitNow        // the mall is closed
	)
	type creatureMsg struct {
		kind   int
		color  color
		sender chan creatureMsg
	}
	type mallMsg struct {
		meet  creatureMsg // a request (when count < 0)
		count int64       // a faded creature's meetings, or -1
	}
	mallBox := make(chan mallMsg, mailboxCapacity)
	var wg sync.WaitGroup
	wg.Add(int(creatures) + 1)
	var fadedCount, sumMeetings int64

	go func() { // the mall
		defer wg.Done()
		left := meetings
		var waiting chan creatureMsg
		for m := range mallBox {
			switch {
			case m.count >= 0:
				fadedCount++
				sumMeetings += m.count
				if fadedCount == creatures {
					return
				}
			case left == 0:
				m.meet.sender <- creatureMsg{kind: exitNow}
			case waiting == nil:
				waiting = m.meet.sender
			default:
				left--
				waiting <- m.meet
				waiting = nil
			}
		}
	}()
	colors := [3]color{red, yellow, blue}
	for i := int64(0); i < creatures; i++ {
		go func(c color) { // a creature
			defer wg.Done()
			self := make(chan creatureMsg, mailboxCapacity)
			var met int64
			askForMeeting := func() {
				mallBox <- mallMsg{meet: creatureMsg{kind: meet, color: c, sender: self}, count: -1}
			}
			askForMeeting()
			for m := range self {
				switch m.kind {
				case meet:
					c = complement(c, m.color)
					met++
					m.sender <- creatureMsg{kind: change, color: c}
					askForMeeting()
				case change:
					c = m.color
					met++
					askForMeeting()
				case exitNow:
					c = faded
					mallBox <- mallMsg{count: met}
					return
				}
			}
		}(colors[i%3])
	}
	wg.Wait()
	if fadedCount != creatures || sumMeetings != 2*meetings {
		return fmt.Errorf("%d creatures reported %d meetings, want %d creatures and %d meetings",
			fadedCount, sumMeetings, creatures, 2*meetings)
	}
	return nil
}
