package dev.downhill.driver.spark;

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
     * scan on the driver (and every executor) each iteration. Settings the user gave win, except the
     * serializer ones, which the registrator needs.
     */
    public static SparkConf configure(SparkConf conf) {
        return conf
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", DownhillKryoRegistrator.class.getName())
                .set("spark.kryo.registrationRequired", "true")
                .setIfMissing("spark.ui.showConsoleProgress", "false")
                .setIfMissing("spark.task.maxDirectResultSize", MAX_DIRECT_RESULT_SIZE)
                .setIfMissing("spark.broadcast.compress", "false");
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
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
