# scimctl as an image, for CI systems that run steps in containers:
#   docker build -t scimctl .
#   docker run --rm -v "$PWD:/work" -e QASE_SCIM_TOKEN scimctl plan org/
#
# The build stage runs scripts/build-release (the same self-contained binary as a release: the Swift
# runtime, libyaml and SQLite linked in); the runtime image holds that binary and CA certificates on a
# distroless base (glibc, no shell), running as a non-root user.
ARG SWIFT_IMAGE=swift:6.1-bookworm

FROM ${SWIFT_IMAGE} AS build
WORKDIR /src
COPY . .
# No .git in the build context: the commit is passed in (docker build --build-arg SCIMCTL_COMMIT=$(git rev-parse HEAD)).
ARG SCIMCTL_COMMIT=unknown
RUN SCIMCTL_COMMIT="$SCIMCTL_COMMIT" scripts/build-release --out /dist

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /dist/scimctl-linux-x86_64 /usr/local/bin/scimctl
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/scimctl"]
CMD ["--help"]
