package dev.downhill.driver.spark;

import dev.downhill.driver.settings.SettingsException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The Spark settings every Downhill job runs with, whoever starts it (scripts, spark-submit, tests). */
public final class DownhillSpark {
    private DownhillSpark() {}

    /**
     * Results up to this size travel inside the task's status message. A task's partial gradient is 8 bytes a
     * parameter (8 MiB for 2^20 features); above Spark's default of 1 MiB it would be stored in the executor's
     * block manager and fetched by the driver in a second round trip, which on 2^20 features cost more than
     * the iteration's compute. Spark caps it at spark.rpc.message.maxSize (128 MiB by default).
     */
    static final String MAX_DIRECT_RESULT_SIZE = "64m";

    /**
     * Kryo with required registration through {@link DownhillKryoRegistrator}; no console progress bar;
     * large task results returned directly ({@link #MAX_DIRECT_RESULT_SIZE}); broadcasts not compressed,
     * since the only large ones are parameter vectors of doubles, which LZ4 cannot shrink but must still
     * scan on the driver (and every executor) each iteration; blocks of a lost executor copied again to keep
     * their replication (sharded runs store their slices twice). Settings the user gave win, except the
     * serializer ones, which the registrator needs.
     */
    public static SparkConf configure(SparkConf conf) {
        return conf
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", DownhillKryoRegistrator.class.getName())
                .set("spark.kryo.registrationRequired", "true")
                .setIfMissing("spark.ui.showConsoleProgress", "false")
                .setIfMissing("spark.task.maxDirectResultSize", MAX_DIRECT_RESULT_SIZE)
                .setIfMissing("spark.broadcast.compress", "false")
                .setIfMissing("spark.storage.replication.proactive", "true");
    }

    /**
     * A session for a command: the master from spark-submit when it set one (spark.master), else
     * {@code master} (the --master setting, local[*] by default); an explicit --master always wins.
     */
    public static SparkSession start(String appName, String master, boolean masterGiven) {
        SparkConf conf = configure(new SparkConf().setAppName(appName));
        if (masterGiven || !conf.contains("spark.master")) {
            conf.setMaster(master);
        }
        checkReachable(conf.get("spark.master"));
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /** How long {@link #checkReachable} waits for each master address to accept a connection. */
    static final int PROBE_TIMEOUT_MILLIS = 3000;

    /**
     * Refuses a standalone master URL ({@code spark://host:port}, or several host:port for masters in
     * standby) none of whose addresses accepts a TCP connection within {@link #PROBE_TIMEOUT_MILLIS}: Spark
     * would retry its registration for about a minute and log every attempt before giving up. Other masters
     * (local, yarn, k8s) are left to Spark.
     */
    public static void checkReachable(String master) {
        if (master == null || !master.startsWith("spark://")) {
            return;
        }
        List<String> problems = new ArrayList<>();
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            int port;
            try {
                port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1).replaceAll("/+$", ""));
            } catch (NumberFormatException e) {
                throw new SettingsException("--master " + master + ": '" + hostPort + "' is not host:port.");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), PROBE_TIMEOUT_MILLIS);
                return; // one master answers: Spark takes it from here
            } catch (UnknownHostException e) {
                problems.add("unknown host " + host);
            } catch (SocketTimeoutException e) {
                problems.add(hostPort + " did not answer within " + PROBE_TIMEOUT_MILLIS / 1000 + " s");
            } catch (IOException | IllegalArgumentException e) {
                problems.add(hostPort + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        throw new SettingsException("cannot reach the Spark master " + master + " (" + String.join("; ", problems)
                + "). Check the URL (--master, or spark-submit's) and that the master is running.");
    }
}
