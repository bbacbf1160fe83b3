package ibml;

import java.util.List;

/**
 * The service's decision for one trade ({@code result} and {@code metadata} of a 200 from /v1/trades/score).
 * {@code score} and {@code threshold} are null when the rules-only fallback decided ({@code fallbackUsed}).
 * {@code auditSeq} is the decision's position in the service's hash-chained audit log.
 */
public record Decision(
        String tradeId,
        String decision,
        boolean flagged,
        Double score,
        Double threshold,
        List<String> reasonCodes,
        String modelVersion,
        boolean fallbackUsed,
        String requestId,
        Long auditSeq) {

    /** One line for logs: no client data beyond the trade id. */
    public String summary() {
        return "decision=" + decision + " trade_id=" + tradeId
                + " score=" + (score == null ? "n/a" : String.format("%.4f", score))
                + " threshold=" + (threshold == null ? "n/a" : String.format("%.4f", threshold))
                + " reasons=" + (reasonCodes.isEmpty() ? "-" : String.join(",", reasonCodes))
                + " model=" + modelVersion + " fallback=" + fallbackUsed
                + " request_id=" + requestId + " audit_seq=" + auditSeq;
    }
}
