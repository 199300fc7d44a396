module troupe/benchmarks/peers/go

go 1.19
