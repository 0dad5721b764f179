# Siyu server image: build with the .NET 10 SDK, run on the ASP.NET Core runtime as a non-root user.
#   docker build -t siyu:latest .
#   docker run -p 8080:8080 -v siyu-data:/data --env-file siyu.env siyu:latest
# The image runs as Production, so it refuses to start without PII keys (see README, Deploy).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first: the restore layer stays cached while only sources change.
COPY .editorconfig Directory.Build.props Directory.Packages.props ./
COPY src/Siyu.Core/Siyu.Core.csproj src/Siyu.Core/
COPY src/Siyu.WeCom/Siyu.WeCom.csproj src/Siyu.WeCom/
COPY src/Siyu.Server/Siyu.Server.csproj src/Siyu.Server/
# The server references the WeCom simulator (demo mode talks to it in-process).
COPY tools/WeComSimulator/WeComSimulator.csproj tools/WeComSimulator/
RUN dotnet restore src/Siyu.Server/Siyu.Server.csproj
COPY src/Siyu.Core/ src/Siyu.Core/
COPY src/Siyu.WeCom/ src/Siyu.WeCom/
COPY src/Siyu.Server/ src/Siyu.Server/
COPY tools/WeComSimulator/ tools/WeComSimulator/
RUN dotnet publish src/Siyu.Server/Siyu.Server.csproj -c Release --no-restore -o /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# Referral posters draw Chinese text (SkiaSharp looks fonts up through fontconfig); curl is for HEALTHCHECK.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fontconfig curl \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data \
    && chown "$APP_UID" /data
WORKDIR /app
COPY --from=build /app ./
# Env vars override appsettings.json, whose Urls is loopback-only for the one-command local start.
ENV Urls=http://0.0.0.0:8080 \
    Siyu__DataDirectory=/data \
    ASPNETCORE_ENVIRONMENT=Production
VOLUME /data
# 8080 HTTP (API, console, /metrics, /health); 11111 Orleans silo-to-silo, 30000 Orleans gateway (cluster mode).
EXPOSE 8080 11111 30000
# The non-root user the ASP.NET Core images ship (uid 1654).
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["dotnet", "Siyu.Server.dll"]
