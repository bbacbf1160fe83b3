package ibml;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Scores trades against the ibml service: {@code POST /v1/trades/score} with an {@code X-API-Key} header.
 *
 * <p>The contract is the service's OpenAPI document ({@code GET /openapi.json}); this client follows it:
 * <ul>
 *   <li>200 → {@link Decision};</li>
 *   <li>401 → {@link ScoreException.Unauthorized}, 403 → {@link ScoreException.Forbidden} (never retried);</li>
 *   <li>422 → {@link ScoreException.Invalid} naming each field at fault (never retried: the same body fails again);</li>
 *   <li>503 ("a dependency is unavailable; nothing was decided") → retried with bounded exponential backoff, since
 *       nothing was recorded; after {@code maxAttempts} → {@link ScoreException.Unavailable};</li>
 *   <li>any other status → {@link ScoreException}.</li>
 * </ul>
 * A refused connection is retried like a 503 (no request reached the service); a timeout is not, because the
 * service may have decided and audited the trade: the caller decides (the request id is the key to look it up).
 * Every attempt of one call carries the same {@code X-Request-ID}, so retries are correlated in the audit trail.
 */
public final class ScoreClient {
    public static final String SCORE_PATH = "/v1/trades/score";
    public static final String API_KEY_HEADER = "X-API-Key";
    public static final String REQUEST_ID_HEADER = "X-Request-ID";

    /**
     * Every response field this client reads: {@code "status path"} (a {@code []} steps into an array's items) →
     * the JSON type it expects, with {@code ?} when it also handles null. The contract test checks each against
     * the service's OpenAPI document, and that the parsing code below reads no field missing here, so a field the
     * service renames or retypes fails a test instead of turning into a null on the bank's side.
     */
    public static final Map<String, String> READS = pairs(
            "200 result", "object",
            "200 result.trade_id", "string",
            "200 result.decision", "string",
            "200 result.flagged", "boolean",
            "200 result.score", "number?",
            "200 result.threshold", "number?",
            "200 result.reasons", "array",
            "200 result.reasons[].code", "string",
            "200 metadata", "object",
            "200 metadata.model_version", "string?",
            "200 metadata.fallback_used", "boolean",
            "200 metadata.request_id", "string",
            "200 metadata.audit_seq", "integer?",
            "401 detail", "string",
            "401 request_id", "string?",
            "403 detail", "string",
            "403 request_id", "string?",
            "422 detail", "array?",
            "422 detail[].loc", "array",
            "422 detail[].msg", "string",
            "422 detail[].type", "string",
            "503 detail", "string",
            "503 request_id", "string?");

    private final URI base;
    private final String apiKey;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final HttpClient http;

    /**
     * @param baseUrl        e.g. {@code http://127.0.0.1:8000}
     * @param apiKey         the scorer key (read it from a secret store or the environment, never from argv)
     * @param timeout        per attempt
     * @param maxAttempts    attempts for a 503 or refused connection, at least 1
     * @param initialBackoff first wait; doubles each retry up to {@code maxBackoff} (a Retry-After header wins,
     *                       capped at {@code maxBackoff} too)
     */
    public ScoreClient(String baseUrl, String apiKey, Duration timeout, int maxAttempts, Duration initialBackoff,
                       Duration maxBackoff) {
        if (apiKey == null || apiKey.isBlank()) {
            // sending no key is allowed (the service answers 401), so a caller can exercise that path
            apiKey = "";
        }
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        // HTTP/1.1: uvicorn speaks no h2c, and the default HTTP/2 client would send an Upgrade on every request
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    public ScoreClient(String baseUrl, String apiKey) {
        this(baseUrl, apiKey, Duration.ofSeconds(10), 4, Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    /** What {@link #score} sends, without sending it (for contract checks and debugging; the key is redacted). */
    public record PreparedRequest(String method, URI uri, Map<String, String> headers, String body) {
        public String describe() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("method", method);
            out.put("url", uri.toString());
            out.put("path", uri.getPath());
            Map<String, Object> shown = new LinkedHashMap<>();
            headers.forEach((k, v) -> shown.put(k, k.equalsIgnoreCase(API_KEY_HEADER) ? "<redacted>" : v));
            out.put("headers", shown);
            out.put("body", Json.parse(body));
            out.put("reads", READS);
            return Json.write(out);
        }
    }

    /** Build the request for {@code trade} (a JSON object: field name → String/Number/Boolean/null). */
    public PreparedRequest prepare(Map<String, Object> trade) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json");
        if (!apiKey.isEmpty()) headers.put(API_KEY_HEADER, apiKey);
        headers.put(REQUEST_ID_HEADER, UUID.randomUUID().toString());
        return new PreparedRequest("POST", base.resolve(SCORE_PATH), headers, Json.write(trade));
    }

    /** Score one trade; see the class comment for what each status becomes. */
    public Decision score(Map<String, Object> trade) throws ScoreException, IOException, InterruptedException {
        PreparedRequest prepared = prepare(trade);
        HttpRequest.Builder builder = HttpRequest.newBuilder(prepared.uri())
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(prepared.body()));
        prepared.headers().forEach(builder::header);
        HttpRequest request = builder.build();
        String requestId = prepared.headers().get(REQUEST_ID_HEADER);
        Duration wait = initialBackoff;
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException refused) {
                if (attempt >= maxAttempts) {
                    throw new ScoreException.Unavailable("cannot connect to " + base + ": " + refused.getMessage(),
                            requestId, attempt);
                }
                sleep(wait);
                wait = doubled(wait);
                continue;
            }
            int status = response.statusCode();
            if (status == 503 && attempt < maxAttempts) {
                Duration retryAfter = retryAfter(response);
                sleep(retryAfter != null ? min(retryAfter, maxBackoff) : wait);
                wait = doubled(wait);
                continue;
            }
            return handle(status, response.body(), requestId, attempt);
        }
    }

    private Decision handle(int status, String body, String requestId, int attempts) throws ScoreException {
        Object parsed;
        try {
            parsed = body == null || body.isEmpty() ? null : Json.parse(body);
        } catch (IllegalArgumentException notJson) {
            throw new ScoreException(status, "response is not JSON: " + notJson.getMessage(), requestId);
        }
        Map<String, Object> doc = parsed instanceof Map<?, ?> ? asMap(parsed) : Map.of();
        if (status == 200) return decision(doc);
        String id = doc.get("request_id") instanceof String s ? s : requestId;
        Object detail = doc.get("detail");
        String text = detail instanceof String s ? s : "HTTP " + status;
        switch (status) {
            case 401: throw new ScoreException.Unauthorized(text, id);
            case 403: throw new ScoreException.Forbidden(text, id);
            case 422: throw new ScoreException.Invalid(fieldErrors(detail), id);
            case 503: throw new ScoreException.Unavailable(text, id, attempts);
            default: throw new ScoreException(status, text, id);
        }
    }

    private static List<ScoreException.FieldError> fieldErrors(Object detail) {
        List<ScoreException.FieldError> out = new ArrayList<>();
        if (detail instanceof List<?> list) {
            for (Object item : list) {
                if (!(item instanceof Map<?, ?>)) continue;
                Map<String, Object> e = asMap(item);
                List<Object> loc = e.get("loc") instanceof List<?> l ? new ArrayList<>(l) : List.of();
                out.add(new ScoreException.FieldError(loc, String.valueOf(e.get("msg")), String.valueOf(e.get("type"))));
            }
        } else if (detail instanceof String s) {
            out.add(new ScoreException.FieldError(List.of("body"), s, "value_error"));
        }
        return out;
    }

    private static Decision decision(Map<String, Object> doc) throws ScoreException {
        if (!(doc.get("result") instanceof Map<?, ?>) || !(doc.get("metadata") instanceof Map<?, ?>)) {
            throw new ScoreException(200, "response has no result/metadata object", null);
        }
        Map<String, Object> r = asMap(doc.get("result"));
        Map<String, Object> m = asMap(doc.get("metadata"));
        List<String> codes = new ArrayList<>();
        if (r.get("reasons") instanceof List<?> reasons) {
            for (Object reason : reasons) {
                if (reason instanceof Map<?, ?> map) codes.add(String.valueOf(map.get("code")));
            }
        }
        return new Decision(
                (String) r.get("trade_id"),
                (String) r.get("decision"),
                Boolean.TRUE.equals(r.get("flagged")),
                number(r.get("score")),
                number(r.get("threshold")),
                List.copyOf(codes),
                m.get("model_version") == null ? null : String.valueOf(m.get("model_version")),
                Boolean.TRUE.equals(m.get("fallback_used")),
                (String) m.get("request_id"),
                m.get("audit_seq") instanceof Number n ? n.longValue() : null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }

    private static Double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }

    private static Duration retryAfter(HttpResponse<String> response) {
        return response.headers().firstValue("Retry-After").map(v -> {
            try {
                return Duration.ofSeconds(Long.parseLong(v.trim()));
            } catch (NumberFormatException httpDate) {
                return null;  // an HTTP-date: fall back to our own backoff
            }
        }).orElse(null);
    }

    private Duration doubled(Duration d) {
        return min(d.multipliedBy(2), maxBackoff);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Map<String, String> pairs(String... keyValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) out.put(keyValues[i], keyValues[i + 1]);
        return Collections.unmodifiableMap(out);
    }

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }
}
