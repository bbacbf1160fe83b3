package ibml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Command-line use of {@link ScoreClient}: score one trade and print the decision, or say which contract status
 * stopped it.
 *
 * <pre>
 *   IBML_API_KEY=... java -cp out ibml.Main --url http://127.0.0.1:8000 [--trade trade.json] [--set quantity=-5]
 *                                           [--attempts 4] [--backoff-ms 200] [--dry-run]
 * </pre>
 * The key comes from the environment variable IBML_API_KEY (argv is visible to every user of the host).
 * Exit codes: 0 decided, 3 unauthorized (401), 4 forbidden (403), 5 invalid trade (422), 6 unavailable (503 after
 * retries), 1 any other failure, 2 bad usage.
 */
public final class Main {
    private Main() {}

    /** The contract's example event (TRADE_EXAMPLE in reference_impl/serving/trades/schemas.py). */
    static Map<String, Object> exampleTrade() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("trade_id", "T000123");
        t.put("event_type", "new");
        t.put("orig_trade_id", null);
        t.put("exec_ts", "2026-03-02T10:15:00Z");
        t.put("booking_ts", "2026-03-02T10:15:04Z");
        t.put("desk", "EQ_LDN");
        t.put("book", "EQ_LDN_B1");
        t.put("trader_id", "EQ_LDN_T03");
        t.put("counterparty_id", "CP0042");
        t.put("instrument_id", "EQ_LDN_07");
        t.put("asset_class", "equity");
        t.put("currency", "GBP");
        t.put("side", "BUY");
        t.put("quantity", 2500L);
        t.put("price", 41.7);
        t.put("notional_usd", 131000.0);
        t.put("venue", "XLON");
        t.put("booking_system", "FIDESSA");
        return t;
    }

    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args));
    }

    static int run(String[] args) throws InterruptedException {
        String url = "http://127.0.0.1:8000";
        Map<String, Object> trade = exampleTrade();
        Map<String, Object> overrides = new LinkedHashMap<>();
        boolean dryRun = false;
        int attempts = 4;
        long backoffMs = 200;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--url" -> url = value(args, ++i, a);
                    case "--trade" -> trade = readTrade(Path.of(value(args, ++i, a)));
                    case "--set" -> {
                        String kv = value(args, ++i, a);
                        int eq = kv.indexOf('=');
                        if (eq <= 0) throw new IllegalArgumentException("--set needs name=value, got " + kv);
                        overrides.put(kv.substring(0, eq), literal(kv.substring(eq + 1)));
                    }
                    case "--attempts" -> attempts = Integer.parseInt(value(args, ++i, a));
                    case "--backoff-ms" -> backoffMs = Long.parseLong(value(args, ++i, a));
                    case "--dry-run" -> dryRun = true;
                    case "-h", "--help" -> {
                        System.out.println("usage: IBML_API_KEY=KEY java -cp out ibml.Main [--url URL] [--trade FILE.json]"
                                + " [--set name=value]... [--attempts N] [--backoff-ms MS] [--dry-run]");
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            trade.putAll(overrides);
        } catch (IllegalArgumentException | IOException bad) {
            System.err.println("usage error: " + bad.getMessage());
            return 2;
        }
        String key = System.getenv("IBML_API_KEY");
        ScoreClient client = new ScoreClient(url, key, Duration.ofSeconds(30), attempts, Duration.ofMillis(backoffMs),
                Duration.ofSeconds(2));
        if (dryRun) {
            System.out.println(client.prepare(trade).describe());
            return 0;
        }
        try {
            System.out.println(client.score(trade).summary());
            return 0;
        } catch (ScoreException.Unauthorized e) {
            System.err.println("unauthorized (401): " + e.detail() + " — check IBML_API_KEY");
            return 3;
        } catch (ScoreException.Forbidden e) {
            System.err.println("forbidden (403): " + e.detail() + " — this key needs the scorer role");
            return 4;
        } catch (ScoreException.Invalid e) {
            for (ScoreException.FieldError f : e.errors()) {
                System.err.println("invalid (422): field " + f.field() + ": " + f.message() + " [" + f.type() + "]");
            }
            return 5;
        } catch (ScoreException.Unavailable e) {
            System.err.println("unavailable (503): " + e.detail() + "; nothing was decided, try again later");
            return 6;
        } catch (ScoreException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        return args[i];
    }

    /** A --set value: JSON when it parses (numbers, true, null, "quoted"), else the text as a string. */
    private static Object literal(String text) {
        try {
            return Json.parse(text);
        } catch (IllegalArgumentException notJson) {
            return text;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readTrade(Path file) throws IOException {
        Object doc = Json.parse(Files.readString(file));
        if (!(doc instanceof Map<?, ?>)) throw new IllegalArgumentException(file + " must hold one JSON object");
        return new LinkedHashMap<>((Map<String, Object>) doc);
    }
}
