// The sandbox ("pause") container of every pod in the test cluster (scripts/cluster.sh): it holds the pod's
// namespaces open and waits to be stopped. No registry is reachable from the test machines, so the usual
// registry.k8s.io/pause image cannot be pulled; this is built from source and imported into containerd.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
