# The lianxi binary on a small Debian image, for docker-compose.yml.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=container
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/lianxi ./cmd/lianxi

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/lianxi --create-home lianxi
COPY --from=build /out/lianxi /usr/local/bin/lianxi
USER lianxi
WORKDIR /var/lib/lianxi
EXPOSE 8080
ENTRYPOINT ["lianxi"]
