package main

// The synthetic workload of benchmarks/compare/compare_workload.h, bit for bit: the
// payload, the FNV-1a rounds of parse, validate and transform (times the record's
// cost factor), the keys, the keyed state's lanes and digests, and the ordered
// fold. compare_workload.h states the definition; a change there must be made here.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	heavySalt = 0x5ca1ab1e5ca1ab1e
	keySalt   = 0x6b65796b65796b65
)

// params is the workload (WorkloadParams in compare_workload.h).
type params struct {
	count                                    int64
	size                                     int
	parseRounds, validateRounds, transRounds int
	heavyBasisPoints, heavyFactor            int
	ioWaitUs                                 int64
	ioBlock                                  bool // the wait blocks the thread (a "/block" design)
	keys                                     int64
	hotKeyPercent                            int
	stateWords                               int
	ordered                                  bool
}

func (p *params) stateful() bool { return p.stateWords > 0 && p.keys > 0 }

// Record is one record in flight.
type Record struct {
	id        int64
	key       uint64
	cost      int
	emittedNs int64 // since start: when it was (closed loop) or should have been (open loop) emitted
	hash      uint64
	payload   []byte
}

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func fnvRounds(data []byte, h uint64, rounds int) uint64 {
	for r := 0; r < rounds; r++ {
		for _, b := range data {
			h ^= uint64(b)
			h *= fnvPrime
		}
	}
	return h
}

func costFactor(id int64, p *params) int {
	if p.heavyBasisPoints <= 0 {
		return 1
	}
	if mix64(uint64(id)^heavySalt)%10000 < uint64(p.heavyBasisPoints) {
		return p.heavyFactor
	}
	return 1
}

func keyOf(id int64, p *params) uint64 {
	if p.keys <= 0 {
		return 0
	}
	u := mix64(uint64(id) ^ keySalt)
	keys := uint64(p.keys)
	if u%100 < uint64(p.hotKeyPercent) {
		hot := keys / 100
		if hot < 1 {
			hot = 1
		}
		return (u >> 32) % hot
	}
	return (u >> 32) % keys
}

func fillRecord(id int64, r *Record, p *params) {
	r.id = id
	r.key = keyOf(id, p)
	r.cost = costFactor(id, p)
	r.hash = 0
	for j := range r.payload {
		r.payload[j] = byte((id*131 + int64(j)*7) ^ (id >> 3))
	}
}

func parse(r *Record, p *params) {
	r.hash = fnvRounds(r.payload, fnvOffset^uint64(r.id), p.parseRounds*r.cost)
}
func validate(r *Record, p *params) {
	r.hash = fnvRounds(r.payload, r.hash, p.validateRounds*r.cost)
}
func transform(r *Record, p *params) {
	r.hash = fnvRounds(r.payload, r.hash, p.transRounds*r.cost)
}

func updateState(r *Record, lanes []uint64) {
	for i := range lanes {
		lanes[i] += mix64(r.hash + uint64(i))
	}
}

func stateDigest(key uint64, lanes []uint64) uint64 {
	d := fnvOffset ^ key
	for _, lane := range lanes {
		d = (d ^ lane) * fnvPrime
	}
	return d
}

func chainStart(key uint64) uint64         { return fnvOffset ^ key }
func chain(c uint64, result uint64) uint64 { return (c ^ result) * fnvPrime }

// stateShard is the keyed state of the keys k with k % owners == owner.
type stateShard struct {
	owner, owners int
	lanes         [][]uint64 // indexed by k / owners
}

func newStateShard(p *params, owner, owners int) *stateShard {
	s := &stateShard{owner: owner, owners: owners}
	for k := int64(owner); k < p.keys; k += int64(owners) {
		s.lanes = append(s.lanes, make([]uint64, p.stateWords))
	}
	return s
}

func (s *stateShard) update(r *Record) { updateState(r, s.lanes[r.key/uint64(s.owners)]) }

func (s *stateShard) digest() uint64 {
	var sum uint64
	for i, lanes := range s.lanes {
		sum += stateDigest(uint64(s.owner+i*s.owners), lanes)
	}
	return sum
}

func newShards(p *params, owners int) []*stateShard {
	shards := make([]*stateShard, owners)
	for i := range shards {
		shards[i] = newStateShard(p, i, owners)
	}
	return shards
}

// reference computes the checksum sequentially, in one goroutine, without the waits.
func reference(p *params) uint64 {
	r := &Record{payload: make([]byte, p.size)}
	chains := []uint64{}
	if p.ordered {
		n := p.keys
		if n < 1 {
			n = 1
		}
		for k := int64(0); k < n; k++ {
			chains = append(chains, chainStart(uint64(k)))
		}
	}
	var shard *stateShard
	if p.stateful() {
		shard = newStateShard(p, 0, 1)
	}
	var sum uint64
	for id := int64(0); id < p.count; id++ {
		fillRecord(id, r, p)
		parse(r, p)
		validate(r, p)
		transform(r, p)
		if shard != nil {
			shard.update(r)
		}
		if p.ordered {
			chains[r.key] = chain(chains[r.key], r.hash)
		} else {
			sum += r.hash
		}
	}
	for _, c := range chains {
		sum += c
	}
	if shard != nil {
		sum += shard.digest()
	}
	return sum
}
