module perfops-pprof-fixtures

go 1.19
