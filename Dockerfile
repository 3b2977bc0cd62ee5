# Hotline in a small image: a static binary on distroless, running as non-root.
#   docker build -t hotline .
#   docker run -p 8080:8080 -e REDIS_URL=redis://redis:6379 -e TWILIO_AUTH_TOKEN=... \
#     -e HOTLINE_PUBLIC_URL=https://hotline.example.org hotline
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/hotline ./cmd/hotline \
 && mkdir -p /out/outbox

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hotline /hotline
COPY --from=build --chown=nonroot:nonroot /out/outbox /outbox
ENV HOTLINE_ADDR=:8080 HOTLINE_OUTBOX_DIR=/outbox
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/hotline", "health"]
ENTRYPOINT ["/hotline"]
CMD ["serve"]
