package dev.sva.core;

import jakarta.validation.ConstraintViolationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.orm.jpa.EntityManagerFactoryUtils;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionException;
import org.springframework.validation.FieldError;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Renders every refusal as RFC 9457 {@code application/problem+json} with {@code code} and
 * {@code errno} from {@link ProblemType}. Framework errors (malformed JSON, wrong types, unknown enum
 * values, missing parameters, unknown paths) are translated here too, so no input yields a 5xx.
 */
@RestControllerAdvice
public class ProblemHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
    public static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    /** The key of the event table, as H2 ({@code EVENT(NODE_ID, SEQ)}) and PostgreSQL ({@code Key (node_id, seq)}) name it. */
    private static final Pattern EVENT_SEQ = Pattern.compile("\\(node_id, seq\\)", Pattern.CASE_INSENSITIVE);

    private final ProblemMetrics metrics;
    private final ObjectProvider<EventLogRepair> repair;

    ProblemHandler(ProblemMetrics metrics, ObjectProvider<EventLogRepair> repair) {
        this.metrics = metrics;
        this.repair = repair;
    }

    @ExceptionHandler(ProblemException.class)
    ResponseEntity<Map<String, Object>> problem(ProblemException e) {
        return render(e.type(), e.errno(), e.getMessage(), e.members());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        ProblemException inner = ProblemException.in(e);
        if (inner != null) {
            // thrown while the body was read (too large) or by a value's own parser, possibly wrapped by Jackson
            return problem(inner);
        }
        Throwable cause = e.getCause();
        if (cause instanceof JacksonException je) {
            String field = je.getPath().isEmpty() ? null : fieldPath(je);
            String reason;
            if (je instanceof JsonConfig.InvalidText) {
                reason = je.getOriginalMessage();
            } else if (je instanceof UnrecognizedPropertyException) {
                reason = "is not a known field";
            } else if (je instanceof InvalidFormatException ife && ife.getTargetType() != null && ife.getTargetType().isEnum()) {
                reason = "must be one of " + List.of(ife.getTargetType().getEnumConstants());
            } else if (je instanceof MismatchedInputException mie && mie.getTargetType() != null) {
                reason = "must be " + describe(mie.getTargetType());
            } else if (field == null) {
                reason = "malformed JSON: " + je.getOriginalMessage();
            } else {
                reason = "has an invalid value";
            }
            if (field == null) {
                return render(ProblemType.VALIDATION_FAILED, "EINVAL", "request body: " + reason,
                        Map.of("field", "body", "reason", reason));
            }
            return problem(Problems.invalid(field, reason));
        }
        return problem(Problems.invalid("body", "is missing or not readable JSON"));
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ResponseEntity<Map<String, Object>> invalidBody(MethodArgumentNotValidException e) {
        List<Map<String, Object>> errors = e.getBindingResult().getFieldErrors().stream()
                .map(f -> Map.<String, Object>of("field", f.getField(), "reason", String.valueOf(f.getDefaultMessage())))
                .toList();
        FieldError first = e.getBindingResult().getFieldError();
        String field = first == null ? "body" : first.getField();
        String reason = first == null ? "is not valid" : String.valueOf(first.getDefaultMessage());
        return problem(Problems.invalid(field, reason).with("errors", errors));
    }

    @ExceptionHandler(HandlerMethodValidationException.class)
    ResponseEntity<Map<String, Object>> invalidParameter(HandlerMethodValidationException e) {
        var result = e.getParameterValidationResults().isEmpty() ? null : e.getParameterValidationResults().get(0);
        String field = result == null || result.getMethodParameter().getParameterName() == null
                ? "parameter" : result.getMethodParameter().getParameterName();
        String reason = result == null || result.getResolvableErrors().isEmpty()
                ? "is not valid" : String.valueOf(result.getResolvableErrors().get(0).getDefaultMessage());
        return problem(Problems.invalid(field, reason));
    }

    @ExceptionHandler(ConstraintViolationException.class)
    ResponseEntity<Map<String, Object>> constraint(ConstraintViolationException e) {
        var v = e.getConstraintViolations().iterator().next();
        String path = v.getPropertyPath().toString();
        return problem(Problems.invalid(path.substring(path.lastIndexOf('.') + 1), v.getMessage()));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Map<String, Object>> typeMismatch(MethodArgumentTypeMismatchException e) {
        Class<?> type = e.getRequiredType();
        return problem(Problems.invalid(e.getName(), "must be " + (type == null ? "valid" : describe(type))));
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<Map<String, Object>> missingParameter(MissingServletRequestParameterException e) {
        return problem(Problems.invalid(e.getParameterName(), "is required"));
    }

    /** The query string does not decode (a bad percent escape, bytes that are not UTF-8). */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<Map<String, Object>> undecodableQuery(InvalidParameterException e) {
        return problem(Problems.invalid("query", "is not valid percent-encoded UTF-8"));
    }

    /**
     * Spring Security's firewall ({@code StrictHttpFirewall}) checks parameter names and header values
     * when they are first read, so its refusal reaches here rather than the filter chain: a parameter
     * name (of the query or of a form body) or a header with characters it does not allow.
     */
    @ExceptionHandler(org.springframework.security.web.firewall.RequestRejectedException.class)
    ResponseEntity<Map<String, Object>> rejectedByFirewall(org.springframework.security.web.firewall.RequestRejectedException e) {
        boolean parameter = String.valueOf(e.getMessage()).contains("parameter");
        return problem(Problems.invalid(parameter ? "parameters" : "headers", parameter
                ? "hold a name with characters that are not allowed (control or unprintable characters)"
                : "hold a name or value with characters that are not allowed (control or unprintable characters)"));
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<Map<String, Object>> noResource(NoResourceFoundException e) {
        return render(ProblemType.NOT_FOUND, "ENOENT", "no resource at /" + e.getResourcePath(), Map.of());
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<Map<String, Object>> method(HttpRequestMethodNotSupportedException e) {
        Set<HttpMethod> allowed = e.getSupportedHttpMethods() == null ? Set.of() : e.getSupportedHttpMethods();
        ResponseEntity<Map<String, Object>> problem = render(ProblemType.METHOD_NOT_ALLOWED, "EINVAL",
                e.getMethod() + " is not supported here", Map.of("allowed", allowed.stream().map(Object::toString).toList()));
        // RFC 9110 (15.5.6): a 405 must say in Allow which methods the resource does support
        return ResponseEntity.status(problem.getStatusCode()).headers(problem.getHeaders())
                .allow(allowed.toArray(HttpMethod[]::new)).body(problem.getBody());
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, Object>> mediaType(HttpMediaTypeNotSupportedException e) {
        return render(ProblemType.UNSUPPORTED_MEDIA_TYPE, "EINVAL", "send application/json", Map.of());
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<Map<String, Object>> notAcceptable(HttpMediaTypeNotAcceptableException e) {
        return render(ProblemType.NOT_ACCEPTABLE, "EINVAL", "this resource answers application/json", Map.of());
    }

    /**
     * The database refused a row. A unique violation (SQLState 23505) is a uniqueness race the node
     * lock did not cover (two nodes created with one name): the request lost, the object exists. A data
     * exception (class 22: a value the column cannot hold) is bad input. Anything else is a conflict
     * with the current state.
     */
    @ExceptionHandler(DataIntegrityViolationException.class)
    ResponseEntity<Map<String, Object>> integrity(DataIntegrityViolationException e) {
        String state = e.getMostSpecificCause() instanceof java.sql.SQLException sql ? sql.getSQLState() : null;
        log.info("database refused a row (SQLState {}): {}", state, e.getMostSpecificCause().getMessage());
        if (state != null && state.startsWith("22")) {
            return render(ProblemType.VALIDATION_FAILED, "EINVAL", "a value does not fit what the database can store",
                    Map.of("field", "body", "reason", "a value is too long or holds characters the database cannot store"));
        }
        if ("23505".equals(state) && EVENT_SEQ.matcher(String.valueOf(e.getMostSpecificCause().getMessage())).find()) {
            // not the client's conflict and not our fault: the node's event counter is behind its log
            // (left by an older version). Heal it and have the client retry.
            log.error("event seq collision: a node's event counter was behind its log", e);
            int healed = repair.getIfAvailable(() -> () -> 0).repair();
            return render(ProblemType.EVENT_LOG_REPAIRED, "EAGAIN", "the node's event counter was behind its event log "
                    + "and has been repaired (" + healed + " node(s)); nothing was changed, retry the request",
                    Map.of("outcome", "NOT_APPLIED"));
        }
        if ("23505".equals(state)) {
            return render(ProblemType.DUPLICATE, "EEXIST", "a concurrent request created the same object", Map.of());
        }
        return render(ProblemType.CONFLICT, "EBUSY", "the change conflicts with the current state; re-read and retry", Map.of());
    }

    /** Lock waits under overload: retryable, never a rule broken. */
    @ExceptionHandler({PessimisticLockingFailureException.class, QueryTimeoutException.class})
    ResponseEntity<Map<String, Object>> busy(RuntimeException e) {
        if (DatabaseFailures.isConnectionFailure(e)) {
            return databaseUnavailable(e);
        }
        log.warn("request refused as BUSY: {}", e.toString());
        return render(ProblemType.BUSY, "EAGAIN", "the node is busy; retry the request", Map.of());
    }

    /**
     * The commit was sent and the link broke before its answer: the change may or may not be there.
     * {@code errno EIO}, as a write whose completion the kernel cannot confirm; a retry is safe (README).
     */
    @ExceptionHandler(CommitOutcomeUnknownException.class)
    ResponseEntity<Map<String, Object>> outcomeUnknown(CommitOutcomeUnknownException e) {
        log.warn("commit outcome unknown, database link lost: {}", e.getMostSpecificCause().toString());
        return render(ProblemType.DATABASE_UNAVAILABLE, "EIO", "the database went away while this change was being "
                + "committed: it may or may not have been applied; retry it (a retry is safe) or read the state back",
                Map.of("outcome", "UNKNOWN"));
    }

    /**
     * Any other database or transaction failure: a lost database is {@code 503 DATABASE_UNAVAILABLE}
     * (nothing was applied: the server rolls back a transaction whose connection broke before its
     * commit); a pool that stayed exhausted with the database up is {@code 503 BUSY}; anything else is
     * a fault of ours.
     */
    @ExceptionHandler({DataAccessException.class, TransactionException.class})
    ResponseEntity<Map<String, Object>> database(RuntimeException e) throws Exception {
        if (DatabaseFailures.isConnectionFailure(e)) {
            return databaseUnavailable(e);
        }
        if (e instanceof CannotCreateTransactionException || DatabaseFailures.isPoolTimeout(e)) {
            log.warn("request refused as BUSY: {}", e.toString());
            return render(ProblemType.BUSY, "EAGAIN", "every database connection is in use; retry the request", Map.of());
        }
        return unexpected(e);
    }

    private ResponseEntity<Map<String, Object>> databaseUnavailable(RuntimeException e) {
        log.warn("request refused, database unavailable: {}", e.toString());
        return render(ProblemType.DATABASE_UNAVAILABLE, "EAGAIN", "the database cannot be reached; nothing was changed, "
                + "retry the request", Map.of("outcome", "NOT_APPLIED"));
    }

    /**
     * A JPA exception that no repository translated (a query run on the entity manager directly, as
     * the node lock is): translated as Spring would, then answered as its translation is — so a lock
     * timeout is {@code 503 BUSY}, not a 500.
     */
    @ExceptionHandler(jakarta.persistence.PersistenceException.class)
    ResponseEntity<Map<String, Object>> jpa(jakarta.persistence.PersistenceException e) throws Exception {
        DataAccessException translated = EntityManagerFactoryUtils.convertJpaAccessExceptionIfPossible(e);
        if (translated instanceof DataIntegrityViolationException integrity) {
            return integrity(integrity);
        }
        if (translated instanceof PessimisticLockingFailureException || translated instanceof QueryTimeoutException) {
            return busy(translated);
        }
        if (translated != null) {
            return database(translated);
        }
        return database(new org.springframework.orm.jpa.JpaSystemException(e));
    }

    /** The client went away mid-response (an event stream closed): there is nobody to answer. */
    @ExceptionHandler(AsyncRequestNotUsableException.class)
    void clientGone(AsyncRequestNotUsableException e) {
        log.debug("client disconnected: {}", e.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, Object>> unexpected(Exception e) throws Exception {
        ProblemException inner = ProblemException.in(e);
        if (inner != null) {
            return problem(inner);
        }
        if (e instanceof org.springframework.web.ErrorResponse) {
            // Other framework errors keep their own 4xx status, in our format.
            var status = ((org.springframework.web.ErrorResponse) e).getStatusCode();
            if (status.is4xxClientError()) {
                return ResponseEntity.status(status).contentType(PROBLEM_JSON).body(body(
                        ProblemType.VALIDATION_FAILED, status.value(), "EINVAL", e.getMessage(), Map.of()));
            }
        }
        log.error("unexpected error", e);
        return render(ProblemType.INTERNAL, "EIO", "internal error", Map.of());
    }

    private ResponseEntity<Map<String, Object>> render(ProblemType type, String errno, String detail, Map<String, Object> members) {
        metrics.rejected(type);
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(type.status()).contentType(PROBLEM_JSON);
        String retryAfter = retryAfterSeconds(type);
        if (retryAfter != null) {
            answer.header(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        if (type == ProblemType.FORBIDDEN && members.get("scope") instanceof String scope) {
            // RFC 6750 (3.1): the token is valid but lacks the scope this request needs
            answer.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"insufficient_scope\", scope=\"" + scope + "\"");
        }
        return answer.body(body(type, type.status().value(), errno, detail, members));
    }

    /**
     * RFC 9110 (10.2.3): how long a client should wait before retrying a 503. A busy node frees within
     * a lock wait; a fenced replica within a heartbeat once it has caught up; a lost database within a
     * failover, which readiness also reports.
     */
    static String retryAfterSeconds(ProblemType type) {
        return switch (type) {
            case BUSY, EVENT_LOG_REPAIRED, REPLICA_NOT_CURRENT -> "1";
            case DATABASE_UNAVAILABLE -> "5";
            default -> null;
        };
    }

    private static Map<String, Object> body(ProblemType type, int status, String errno, String detail, Map<String, Object> members) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type.uri());
        body.put("title", type.title());
        body.put("status", status);
        body.put("detail", detail);
        body.put("code", type.name());
        body.put("errno", errno);
        body.putAll(members);
        return body;
    }

    private static String fieldPath(JacksonException e) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "body" : sb.toString();
    }

    private static String describe(Class<?> type) {
        if (type.isEnum()) {
            return "one of " + List.of(type.getEnumConstants());
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "an integer";
        }
        if (type == String.class) {
            return "a string";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }
}
