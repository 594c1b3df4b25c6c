package dev.sva.core;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Tomcat's last word on a request Spring never saw — a path that does not decode ({@code %zz},
 * {@code %00}, bytes that are not UTF-8), headers too large to read: the same problem+json the API answers everywhere else,
 * instead of Tomcat's HTML page. Errors Spring already answered are left alone.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        ProblemType type = status == 404 ? ProblemType.NOT_FOUND
                : status >= 500 ? ProblemType.INTERNAL : ProblemType.VALIDATION_FAILED;
        // Tomcat's Http11InputBuffer refuses a head past server.max-http-request-header-size with an
        // IllegalArgumentException "Request header is too large" (iib.requestheadertoolarge.error)
        boolean headers = status == 400 && throwable instanceof IllegalArgumentException
                && String.valueOf(throwable.getMessage()).contains("header is too large");
        String detail = headers ? "the request's headers are larger than the service reads"
                : status == 400 ? "the request line or path is malformed" : "the request could not be served";
        String field = headers ? ",\"field\":\"headers\",\"reason\":\"are too large (an Authorization token, a cookie or a header"
                + " of many kilobytes); send them shorter\""
                : status == 400 ? ",\"field\":\"path\",\"reason\":\"is not a valid percent-encoded UTF-8 path\"" : "";
        String body = "{\"type\":\"" + type.uri() + "\",\"title\":\"" + type.title() + "\",\"status\":" + status
                + ",\"detail\":\"" + detail + "\",\"code\":\"" + type.name() + "\",\"errno\":\"" + type.errno() + "\""
                + field + "}";
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException ignored) {
            // the client is gone; nothing to answer
        }
    }
}
