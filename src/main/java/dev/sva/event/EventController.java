package dev.sva.event;

import dev.sva.core.Listed;
import dev.sva.core.Page;
import dev.sva.core.PageRequest;
import dev.sva.core.Problems;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

@RestController
@RequestMapping("/api/v1/events")
@Tag(name = "Events", description = "The change stream of a node, in seq order")
class EventController {

    private final EventService events;
    private final EventStream stream;
    private final NodeService nodes;

    EventController(EventService events, EventStream stream, NodeService nodes) {
        this.events = events;
        this.stream = stream;
        this.nodes = nodes;
    }

    @GetMapping
    @Operation(summary = "List a node's events after a seq",
            description = "Events of the node (default local) with seq > after (or > cursor), in seq order; without either, "
                    + "from the oldest kept. type filters by one or more types (repeat the parameter or separate with commas). "
                    + "nextCursor is the seq of the last item when more may follow. 410 EVENTS_EXPIRED (member oldestSeq) when "
                    + "events after that point are no longer kept; 400 when after is beyond the node's last seq.")
    Page<EventView> list(@RequestParam(required = false) String node, @RequestParam(required = false) Long after,
                         @RequestParam(required = false) List<String> type, @RequestParam(required = false) Integer limit,
                         @RequestParam(required = false) String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        Node n = events.node(node);
        long from = page.cursorKey(after == null ? events.beforeOldest(n) : after);
        List<EventType> types = types(type);
        Listed<Event> rows = nodes.listed(n, () -> events.after(n, from, cursor != null ? "cursor" : "after", types, page.limit() + 1));
        return Page.of(rows, page.limit(), e -> Long.toString(e.seq()), e -> EventView.of(e, n.name()));
    }

    @GetMapping(value = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "Watch a node's events (Server-Sent Events)",
            description = "Each SSE id is the event's seq and its data the event as JSON. Resume with the Last-Event-ID header "
                    + "(or after); without either the stream starts at the newest event. A heartbeat comment comes at least every "
                    + "15 s. A client whose connection stalls is disconnected and resumes from its last seq. 410 EVENTS_EXPIRED "
                    + "when that point is no longer kept. 429 TOO_MANY_STREAMS when this client (remote address) holds "
                    + "sva.events.max-clients-per-address streams already; 503 BUSY when the service holds sva.events.max-clients.",
            responses = @ApiResponse(responseCode = "200", description = "text/event-stream of events",
                    content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(implementation = EventView.class))))
    SseEmitter stream(@RequestParam(required = false) String node, @RequestParam(required = false) Long after,
                      @Parameter(description = "the seq of the last event received") @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId,
                      jakarta.servlet.http.HttpServletRequest request) {
        Node n = events.node(node);
        long from;
        if (lastEventId != null && !lastEventId.isBlank()) {
            try {
                from = Long.parseLong(lastEventId.trim());
            } catch (NumberFormatException e) {
                throw Problems.invalid("Last-Event-ID", "must be the seq of an event");
            }
        } else if (after != null) {
            from = after;
        } else {
            from = n.lastEventSeq();
        }
        String field = lastEventId != null && !lastEventId.isBlank() ? "Last-Event-ID" : "after";
        if ("HEAD".equals(request.getMethod())) {
            // HEAD has no body, so no stream: the head a GET would get, and the exchange ends. A stream
            // opened for a HEAD would keep the connection busy for ever, and the client's next request on
            // that connection, which it rightly thinks is free, would never be answered.
            return stream.head(n, from, field);
        }
        return stream.open(n, from, field, request.getRemoteAddr());
    }

    private static List<EventType> types(List<String> raw) {
        if (raw == null) {
            return null;
        }
        List<EventType> types = new ArrayList<>();
        for (String r : raw) {
            for (String t : r.split(",")) {
                if (t.isBlank()) {
                    continue;
                }
                try {
                    types.add(EventType.valueOf(t.trim()));
                } catch (IllegalArgumentException e) {
                    throw Problems.invalid("type", "must be one of " + List.of(EventType.values()));
                }
            }
        }
        return types;
    }
}
