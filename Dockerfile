# syntax=docker/dockerfile:1
# One image per platform service, from this repository:
#   docker build --build-arg SERVICE=policy --build-arg ASSEMBLY=K8sAgentPlatform.Policy -t k8s-agent/policy .
# SERVICE is the folder under services/, ASSEMBLY the project's AssemblyName (docker-compose.yml sets both).
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG SERVICE
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages \
    test -n "$SERVICE" && test -d "services/$SERVICE" \
    && dotnet publish "services/$SERVICE" -c Release -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS final
ARG ASSEMBLY
# PlatformHost binds to loopback unless told otherwise, so the listening address is set here, not left to
# ASPNETCORE_HTTP_PORTS (which it does not read).
ENV ASPNETCORE_URLS=http://+:8080 \
    DOTNET_ENVIRONMENT=Production \
    MASSTRANSIT_USAGE_TELEMETRY=false \
    APP_ASSEMBLY=${ASSEMBLY}
WORKDIR /app
COPY --from=build --chown=root:root /app .
# The image's unprivileged user (UID 1654); files stay root-owned and read-only to it, so the root
# filesystem can be mounted read-only with only /tmp writable.
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["sh", "-c", "exec dotnet \"/app/${APP_ASSEMBLY}.dll\" \"$@\"", "--"]
