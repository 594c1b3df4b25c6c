package dev.sva.core;

import jakarta.validation.ConstraintViolationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.CannotCreateTransactionException;
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

    private final ProblemMetrics metrics;

    ProblemHandler(ProblemMetrics metrics) {
        this.metrics = metrics;
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
        if ("23505".equals(state)) {
            return render(ProblemType.DUPLICATE, "EEXIST", "a concurrent request created the same object", Map.of());
        }
        return render(ProblemType.CONFLICT, "EBUSY", "the change conflicts with the current state; re-read and retry", Map.of());
    }

    /** Lock waits and an exhausted pool under overload: retryable, never a rule broken. */
    @ExceptionHandler({PessimisticLockingFailureException.class, QueryTimeoutException.class, CannotCreateTransactionException.class})
    ResponseEntity<Map<String, Object>> busy(RuntimeException e) {
        log.warn("request refused as BUSY: {}", e.toString());
        return render(ProblemType.BUSY, "EAGAIN", "the node is busy; retry the request", Map.of());
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
        return ResponseEntity.status(type.status()).contentType(PROBLEM_JSON)
                .body(body(type, type.status().value(), errno, detail, members));
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
