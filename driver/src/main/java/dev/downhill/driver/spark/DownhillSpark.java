package dev.downhill.driver.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The Spark settings every Downhill job runs with, whoever starts it (scripts, spark-submit, tests). */
public final class DownhillSpark {
    private DownhillSpark() {}

    /** Kryo with required registration through {@link DownhillKryoRegistrator}; no console progress bar. */
    public static SparkConf configure(SparkConf conf) {
        return conf
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", DownhillKryoRegistrator.class.getName())
                .set("spark.kryo.registrationRequired", "true")
                .setIfMissing("spark.ui.showConsoleProgress", "false");
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
