package ibml;

import java.util.List;

/**
 * A scoring call that returned no decision. Each status the contract documents has its own subclass, so a caller
 * handles them separately: fix the key (401), ask for the scorer role (403), fix the named field (422), or try
 * later (503, after the client's own bounded retries). {@code detail} is the service's one-line reason and
 * {@code requestId} the id to quote to the model owners (it is in the service's audit trail and logs).
 */
public class ScoreException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String detail;
    private final String requestId;

    public ScoreException(int status, String detail, String requestId) {
        super("HTTP " + status + ": " + detail + (requestId == null ? "" : " (request " + requestId + ")"));
        this.status = status;
        this.detail = detail;
        this.requestId = requestId;
    }

    public int status() { return status; }
    public String detail() { return detail; }
    public String requestId() { return requestId; }

    /** 401: the X-API-Key header is missing, unknown or revoked. Retrying will not help. */
    public static final class Unauthorized extends ScoreException {
        private static final long serialVersionUID = 1L;

        public Unauthorized(String detail, String requestId) { super(401, detail, requestId); }
    }

    /** 403: the key is valid but its role may not score trades (needs the scorer role). */
    public static final class Forbidden extends ScoreException {
        private static final long serialVersionUID = 1L;

        public Forbidden(String detail, String requestId) { super(403, detail, requestId); }
    }

    /** 422: the trade breaks the contract; {@link #errors()} names each field at fault. */
    public static final class Invalid extends ScoreException {
        private static final long serialVersionUID = 1L;

        private final transient List<FieldError> errors;

        public Invalid(List<FieldError> errors, String requestId) {
            super(422, summary(errors), requestId);
            this.errors = List.copyOf(errors);
        }

        public List<FieldError> errors() { return errors; }

        private static String summary(List<FieldError> errors) {
            if (errors.isEmpty()) return "invalid request";
            FieldError first = errors.get(0);
            return first.field() + ": " + first.message() + (errors.size() > 1 ? " (+" + (errors.size() - 1) + " more)" : "");
        }
    }

    /** 503: a dependency of the service is down and nothing was decided; raised once the retries are used up. */
    public static final class Unavailable extends ScoreException {
        private static final long serialVersionUID = 1L;

        private final int attempts;

        public Unavailable(String detail, String requestId, int attempts) {
            super(503, detail + " (after " + attempts + " attempt" + (attempts == 1 ? "" : "s") + ")", requestId);
            this.attempts = attempts;
        }

        public int attempts() { return attempts; }
    }

    /**
     * One entry of a 422 body: {@code loc} as the service sent it (e.g. ["body", "quantity"]), the message and
     * pydantic's error type. {@link #field()} is the dotted path without the leading "body".
     */
    public record FieldError(List<Object> loc, String message, String type) {
        public String field() {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < loc.size(); i++) {
                if (i == 0 && "body".equals(loc.get(0)) && loc.size() > 1) continue;
                if (out.length() > 0) out.append('.');
                out.append(loc.get(i));
            }
            return out.toString();
        }
    }
}
