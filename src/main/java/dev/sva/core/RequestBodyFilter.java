package dev.sva.core;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * What a request body may be, checked before anything reads it:
 * <ul>
 * <li>its declared type names one format: a wildcard {@code Content-Type} ({@code *}{@code /*},
 * {@code application/*}, {@code text/*}) is {@code 415 UNSUPPORTED_MEDIA_TYPE} (Spring's request
 * headers refuse to hold one and threw, which was a 500);</li>
 * <li>its size is bounded ({@link LimitsProperties#maxBodySize}, per path
 * {@link LimitsProperties#maxBodySizeByPath}): a declared {@code Content-Length} past the limit is
 * {@code 413 PAYLOAD_TOO_LARGE} before a byte is read; a chunked body is counted as it is read and
 * refused the same way at the first byte past the limit, so no reader ever holds more than the
 * limit of one request in memory.</li>
 * </ul>
 * Refusals are rendered by {@link ProblemHandler} through the MVC exception resolver, as if a
 * handler had thrown them.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 100)
class RequestBodyFilter extends OncePerRequestFilter {

    private static final PathPatternParser PARSER = new PathPatternParser();

    private final long defaultLimit;
    private final List<Map.Entry<PathPattern, Long>> byPath;
    private final ObjectProvider<HandlerExceptionResolver> resolver;

    RequestBodyFilter(LimitsProperties limits,
                      @Qualifier("handlerExceptionResolver") ObjectProvider<HandlerExceptionResolver> resolver) {
        this.defaultLimit = limits.maxBodySize().toBytes();
        this.byPath = limits.maxBodySizeByPath().entrySet().stream()
                .map(e -> Map.entry(PARSER.parse(e.getKey()), e.getValue().toBytes()))
                .sorted(Map.Entry.comparingByKey(PathPattern.SPECIFICITY_COMPARATOR))
                .toList();
        this.resolver = resolver;
    }

    /** The body limit of a request to this path. */
    long limitFor(String path) {
        PathContainer container = PathContainer.parsePath(path);
        for (Map.Entry<PathPattern, Long> e : byPath) {
            if (e.getKey().matches(container)) {
                return e.getValue();
            }
        }
        return defaultLimit;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ProblemException refused = wildcardType(request.getContentType());
        long limit = limitFor(request.getRequestURI());
        if (refused == null && request.getContentLengthLong() > limit) {
            refused = tooLarge(limit);
        }
        if (refused != null) {
            resolver.getObject().resolveException(request, response, null, refused);
            return;
        }
        chain.doFilter(new Bounded(request, limit), response);
    }

    private static ProblemException wildcardType(String contentType) {
        if (contentType == null) {
            return null;
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            if (type.isWildcardType() || type.isWildcardSubtype()) {
                return new ProblemException(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Type " + type + " names no format; send application/json")
                        .with("field", "Content-Type").with("reason", "must not be a wildcard");
            }
        } catch (InvalidMediaTypeException e) {
            // not a media type at all: the handler's own negotiation answers 415 for it
        }
        return null;
    }

    static ProblemException tooLarge(long limit) {
        return new ProblemException(ProblemType.PAYLOAD_TOO_LARGE, "the request body is larger than " + limit + " bytes")
                .with("limit", limit);
    }

    /** The request with its body counted as it is read; past the limit, reading throws. */
    private static final class Bounded extends HttpServletRequestWrapper {
        private final long limit;
        private ServletInputStream stream;

        Bounded(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new Counting(super.getInputStream(), limit);
            }
            return stream;
        }

        @Override
        public java.io.BufferedReader getReader() throws IOException {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(),
                    charset(getCharacterEncoding())));
        }
    }

    private static java.nio.charset.Charset charset(String name) {
        try {
            return name == null ? java.nio.charset.StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(name);
        } catch (IllegalArgumentException e) {
            throw Problems.invalid("Content-Type", "names a charset this service does not know");
        }
    }

    private static final class Counting extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private long read;

        Counting(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        private int count(int n) {
            if (n > 0) {
                read += n;
                if (read > limit) {
                    throw tooLarge(limit);
                }
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return count(in.read(b, off, len));
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
