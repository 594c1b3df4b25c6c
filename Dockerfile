# syntax=docker/dockerfile:1
#
# SVA control plane: multi-stage image.
#   docker build -t sva-control-plane:local .
#   docker run --rm -p 8080:8080 sva-control-plane:local            # H2 file database in /app/data
#   docker compose up --build                                        # with PostgreSQL (docker-compose.yml)
#
# Runtime contract: port 8080 (SERVER_PORT), REST under /api/v1, actuator under /actuator
# (health/liveness, health/readiness, prometheus). Profile "postgres" reads SVA_DB_URL,
# SVA_DB_USERNAME, SVA_DB_PASSWORD; SVA_ISOLATION = STRICT | GROUP_AWARE; JVM options in JAVA_TOOL_OPTIONS.

############################ build stage ############################
FROM eclipse-temurin:17-jdk AS build
WORKDIR /workspace

# Maven wrapper and POM first: the dependency layer is rebuilt only when they change.
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN chmod +x mvnw \
 && ./mvnw -B -q dependency:go-offline

COPY src src
# the test sources (compiled even with -DskipTests) include the client generated from openapi.yaml
COPY openapi.yaml ./
RUN ./mvnw -B -DskipTests package \
 && cp target/sva-control-plane-*.jar /workspace/app.jar

############################ runtime stage ############################
FROM eclipse-temurin:17-jre AS runtime

ARG APP_UID=10001
ARG APP_GID=10001

# A fixed, non-root uid/gid (Kubernetes runAsNonRoot needs a numeric USER).
# /app/data is where the default profile keeps its H2 database, so it must be writable.
RUN groupadd --system --gid "${APP_GID}" sva \
 && useradd --system --uid "${APP_UID}" --gid sva --home-dir /app --no-create-home \
            --shell /usr/sbin/nologin sva \
 && mkdir -p /app/data \
 && chown -R "${APP_UID}:${APP_GID}" /app/data

WORKDIR /app
# The jar stays root-owned and read-only for the app user.
COPY --from=build /workspace/app.jar /app/app.jar

# Let the heap follow the container's memory limit; override JAVA_TOOL_OPTIONS as a whole to change.
ENV SERVER_PORT=8080 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0"

USER ${APP_UID}:${APP_GID}
EXPOSE 8080

# The JRE image has no curl guaranteed; bash's /dev/tcp speaks enough HTTP for a readiness probe.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=4 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT:-8080} && printf 'GET /actuator/health/readiness HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["java","-jar","/app/app.jar"]
