package dev.downhill.driver.train;

import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * --jars: the user's jars (a --model-class model) on this JVM's classpath and on the executors'. Here: a
 * {@link URLClassLoader} over the jars, child of the current context class loader, becomes the thread's
 * context class loader before Spark starts (worker-core builds custom models with it; a local-mode executor
 * created now inherits it). There: {@link JavaSparkContext#addJar} ships each jar, and Spark's executors add
 * it to the class loader tasks are deserialized with, on a cluster and in local mode alike.
 * Under spark-submit, scripts/downhill-submit also passes the jars as spark-submit's own --jars.
 */
public final class ModelJars implements AutoCloseable {
    private final List<File> jars;
    private final Thread thread;
    private final ClassLoader previous;
    private final URLClassLoader loader;

    private ModelJars(List<File> jars) {
        this.jars = jars;
        this.thread = Thread.currentThread();
        this.previous = thread.getContextClassLoader();
        if (jars.isEmpty()) {
            this.loader = null;
            return;
        }
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = jars.get(i).toURI().toURL();
            } catch (MalformedURLException e) {
                throw new SettingsException("--jars " + jars.get(i) + " is not a valid path: " + e.getMessage());
            }
        }
        ClassLoader parent = previous != null ? previous : ModelJars.class.getClassLoader();
        this.loader = new URLClassLoader(urls, parent);
        thread.setContextClassLoader(loader);
    }

    /** Installs --jars (each must be a readable file) as the context class loader; a no-op without it. */
    public static ModelJars install(Settings s) {
        List<File> files = new ArrayList<>();
        if (s.isGiven("jars") && !s.isNone("jars")) {
            for (String part : s.get("jars").split(",")) {
                String path = part.trim();
                if (path.isEmpty()) {
                    continue;
                }
                if (path.startsWith("file:")) {
                    path = java.net.URI.create(path).getPath();
                }
                File f = new File(path);
                if (!f.isFile() || !f.canRead()) {
                    throw new SettingsException("--jars " + part.trim() + ": no such readable file"
                            + (f.isDirectory() ? " (it is a folder; give the jar file)" : "") + ".");
                }
                files.add(f.getAbsoluteFile());
            }
        }
        return new ModelJars(files);
    }

    /** Ships the jars to the executors (once Spark has started). */
    public void addTo(JavaSparkContext jsc) {
        for (File f : jars) {
            jsc.addJar(f.getPath());
        }
    }

    /** Restores the previous context class loader (the jars stay open for classes already loaded). */
    @Override
    public void close() {
        if (loader != null && thread.getContextClassLoader() == loader) {
            thread.setContextClassLoader(previous);
        }
    }
}
