# podvisor: a PID-1 supervisor for Kubernetes containers.
#
#   docker build -t podvisor:0.1.0 .
#   docker run --rm -p 8080:8080 -p 9464:9464 podvisor:0.1.0
#   (podman: the same; docs/packaging.md has the flags podman needs on the project's machines)
#
# Without a command the image runs the reference streaming server (STREAM_PORT 8080) under podvisor; metrics,
# /healthz and /readyz are on 9464. To supervise your own server, build FROM this image and set CMD to your
# server's command line. docs/packaging.md: derived images, images without Node, sizes.

# --- build: install with the lockfile, bundle with esbuild (dist/: one entry file plus lazily loaded chunks)
FROM docker.io/library/node:24-bookworm-slim AS build
WORKDIR /build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would bundle before the sources are copied; koffi and esbuild ship their
# binaries as optional dependencies and need no install script.
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
RUN npm run build --silent

# The runtime's whole root, assembled from this stage: /opt/podvisor (Node, the bundle, koffi, the launcher) and
# the few Debian files that Node and a shell need (scripts/assemble-runtime.sh says which and why).
COPY bin/podvisor bin/podvisor
COPY scripts/assemble-runtime.sh scripts/assemble-runtime.sh
RUN sh scripts/assemble-runtime.sh /runtime

# --- runtime: nothing but that root, in one layer. /opt/podvisor is self-contained: an image without Node can
# take it with one COPY --from (see docs/packaging.md).
FROM scratch
COPY --from=build /runtime /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production
RUN chown 1000:1000 /home/node && podvisor --version
# uid/gid 1000 is the `node` user, as in the node image; numeric so that Kubernetes' runAsNonRoot can verify it.
# podvisor writes nothing outside /tmp, so the root filesystem may be mounted read-only.
USER 1000:1000
# Where a derived image puts its own server (COPY server.js ./ then CMD ["node", "server.js"]).
WORKDIR /app
EXPOSE 8080 9464
STOPSIGNAL SIGTERM
ENTRYPOINT ["podvisor"]
# Last, so that a new version or revision rebuilds nothing but the labels. base.name: where Node and the Debian
# files come from; a new one of it is what updates them.
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="podvisor" \
      org.opencontainers.image.description="A PID-1 supervisor for Kubernetes containers: restarts the server by the Darwin Streaming Server's exit-code protocol, reaps orphans, forwards signals, drains on SIGTERM, publishes Prometheus metrics and Kubernetes Events." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
