# Multi-stage build: a static hotline binary in a small image that runs as non-root.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/hotline ./cmd/hotline

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hotline /hotline
USER nonroot:nonroot
ENTRYPOINT ["/hotline"]
CMD ["check"]
