module kubeforward/test-cluster/node/pause

go 1.24.0
