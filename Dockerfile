# Hotline in a small image: a static binary on distroless, running as non-root.
#   docker build -t hotline .
#   docker run -p 8080:8080 -e REDIS_URL=redis://redis:6379 -e TWILIO_AUTH_TOKEN=... \
#     -e HOTLINE_PUBLIC_URL=https://hotline.example.org -e HOTLINE_SECRET=... hotline
#
# The base images are pinned by digest, so that a rebuild of one commit makes the
# same image and a moved tag cannot slip anything in. The tag beside each digest
# says what it is; to take a newer one (for a Go or Debian security release),
# look the digest up and replace it, as the README says:
#   docker buildx imagetools inspect golang:1.26-bookworm
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
FROM golang:1.26-bookworm@sha256:b305420a68d0f229d91eb3b3ed9e519fcf2cf5461da4bef997bf927e8c0bfd2b AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/hotline ./cmd/hotline \
 && mkdir -p /out/outbox

FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/hotline /hotline
COPY --from=build --chown=nonroot:nonroot /out/outbox /outbox
ENV HOTLINE_ADDR=:8080 HOTLINE_OUTBOX_DIR=/outbox
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/hotline", "health"]
ENTRYPOINT ["/hotline"]
CMD ["serve"]
