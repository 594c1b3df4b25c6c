package dev.sva.core;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container's error page ({@code /error}), in the problem format. It replaces Spring
 * Boot's default controller, which answered a direct {@code GET /error} with a 500 and errors
 * raised outside Spring MVC (a filter's) with a JSON body of its own shape.
 */
@Hidden
@RestController
class ProblemErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    void error(HttpServletRequest request) {
        if (request.getDispatcherType() != DispatcherType.ERROR) {
            // asked for directly: there is no such resource in the API
            throw new ProblemException(ProblemType.NOT_FOUND, "no resource at " + request.getRequestURI());
        }
        ProblemException problem = ProblemException.in((Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION));
        if (problem != null) {
            throw problem;
        }
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i ? i : 500;
        throw switch (status) {
            case 404 -> new ProblemException(ProblemType.NOT_FOUND, "no resource at " + request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI));
            case 405 -> new ProblemException(ProblemType.METHOD_NOT_ALLOWED, "the method is not supported here");
            case 406 -> new ProblemException(ProblemType.NOT_ACCEPTABLE, "this resource answers application/json");
            case 413 -> new ProblemException(ProblemType.PAYLOAD_TOO_LARGE, "the request body is too large");
            case 415 -> new ProblemException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "send application/json");
            default -> status >= 500 ? new ProblemException(ProblemType.INTERNAL, "internal error")
                    : Problems.invalid("request", "could not be served (HTTP " + status + ")");
        };
    }
}
