module troupe/benchmarks/go

go 1.19
