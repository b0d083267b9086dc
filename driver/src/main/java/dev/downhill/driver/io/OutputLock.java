package dev.downhill.driver.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * The lock a {@code train} run holds on its output folder, so two runs never write the same folder:
 * {@code OUTPUT/downhill.lock}, created with overwrite off (atomic on HDFS and on local disks: exactly one of
 * two runs creating it at once succeeds), holding the owner (host, process id, start time, a random token).
 *
 * <p>The holder refreshes the file's modification time every {@link #HEARTBEAT_MILLIS} from a daemon thread.
 * A lock whose heartbeat is older than {@link #STALE_MILLIS} belongs to a run that was killed (kill -9, a lost
 * machine), as does one written on this host by a process that is no longer running; either is taken over
 * with a warning: renamed aside (atomic), checked to be the stale file that was
 * read, then created afresh with overwrite off, so of two runs taking over at once one wins. The lock is
 * removed when the run ends, however it ends: {@link #close} on normal and failed exits, and a shutdown hook
 * (run before Hadoop closes its file systems) on Ctrl-C or SIGTERM. Only a lock still holding this run's
 * token is removed.
 */
public final class OutputLock implements AutoCloseable {
    public static final String NAME = "downhill.lock";
    /** How often the holder refreshes the lock's modification time. */
    public static final long HEARTBEAT_MILLIS = 5_000;
    /** A lock not refreshed for this long is taken over. */
    public static final long STALE_MILLIS = 60_000;

    private final FileSystem fs;
    private final Path file;
    private final String token;
    private final ScheduledExecutorService heartbeat;
    private final Runnable hook;
    private volatile boolean released;

    private OutputLock(FileSystem fs, Path file, String token) {
        this.fs = fs;
        this.file = file;
        this.token = token;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "downhill-output-lock");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleWithFixedDelay(this::beat, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
        this.hook = this::release;
        // Before FileSystem's own hook closes the file systems (priority 10), so HDFS is still open.
        ShutdownHookManager.get().addShutdownHook(hook, FileSystem.SHUTDOWN_HOOK_PRIORITY + 10);
    }

    /**
     * Takes the lock on {@code dir} (creating the folder), or refuses ({@link OutputException}, exit 2) naming
     * the folder and the run holding it. A stale lock is taken over with a warning on {@code warn}.
     */
    public static OutputLock acquire(Path dir, Configuration conf, PrintStream warn) throws IOException {
        FileSystem fs = OutputFiles.plain(dir, conf);
        Path folder = fs.makeQualified(dir);
        Path file = new Path(folder, NAME);
        String token = UUID.randomUUID().toString();
        byte[] owner = owner(token);
        if (tryCreate(fs, file, owner)) {
            return new OutputLock(fs, file, token);
        }
        Holder held = read(fs, file);
        if (held == null) { // gone in between: its run ended
            if (tryCreate(fs, file, owner)) {
                return new OutputLock(fs, file, token);
            }
            held = read(fs, file);
        }
        long age = held == null ? 0 : System.currentTimeMillis() - held.heartbeat;
        String gone = held == null ? null : age > STALE_MILLIS ? "its last heartbeat was " + age / 1000 + " s ago (a"
                + " run that was killed; a live run refreshes it every " + HEARTBEAT_MILLIS / 1000 + " s)"
                : deadOnThisHost(held) ? "process " + held.pid + " is no longer running on this host" : null;
        if (gone != null) {
            Path aside = new Path(folder, "." + NAME + "." + token + ".stale");
            if (fs.rename(file, aside)) {
                Holder moved = read(fs, aside);
                if (moved != null && moved.token.equals(held.token)) {
                    fs.delete(aside, false);
                    if (tryCreate(fs, file, owner)) {
                        warn.println("downhill: warning: took over the lock " + file + " of " + held.describe()
                                + ": " + gone + ".");
                        return new OutputLock(fs, file, token);
                    }
                } else if (moved != null && !fs.exists(file)) {
                    fs.rename(aside, file); // another run's fresh lock: put it back
                }
            }
            held = read(fs, file);
        }
        throw OutputException.refused("--output " + folder + " is in use by another train run ("
                + (held == null ? "unknown owner" : held.describe() + ", last heartbeat "
                + Math.max(0, (System.currentTimeMillis() - held.heartbeat) / 1000) + " s ago")
                + "): two runs must not write one folder. Wait for it to finish, or choose another --output. (A run"
                + " that was killed leaves " + file + " behind; it is taken over once its heartbeat is "
                + STALE_MILLIS / 1000 + " s old, or remove it if you are sure no run uses the folder.)");
    }

    /** Creates the lock file with overwrite off; false when it exists. */
    private static boolean tryCreate(FileSystem fs, Path file, byte[] owner) throws IOException {
        if (!fs.mkdirs(file.getParent()) && !fs.isDirectory(file.getParent())) {
            throw new IOException("cannot create the folder " + file.getParent());
        }
        if (fs instanceof RawLocalFileSystem local) {
            // Hadoop's local create checks and then creates; O_EXCL makes it one atomic step.
            try (OutputStream out = Files.newOutputStream(local.pathToFile(file).toPath(),
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(owner);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                return false;
            }
            return true;
        }
        try (OutputStream out = fs.create(file, false)) {
            out.write(owner);
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (fs.exists(file) && !(e instanceof FileNotFoundException)) {
                return false; // some file systems say "exists" with a plain IOException
            }
            throw e;
        }
        return true;
    }

    /** A lock written on this host by a process that has ended (killed with SIGKILL): no need to wait. */
    private static boolean deadOnThisHost(Holder held) {
        if (!hostName().equals(held.host)) {
            return false;
        }
        try {
            long pid = Long.parseLong(held.pid);
            return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "unknown host";
        }
    }

    private static byte[] owner(String token) {
        String host = hostName();
        String text = "# A Downhill train run writes this folder; the file is removed when the run ends.\n"
                + "host=" + host + "\n"
                + "pid=" + ProcessHandle.current().pid() + "\n"
                + "started=" + Instant.now() + "\n"
                + "jvm=" + ManagementFactory.getRuntimeMXBean().getName() + "\n"
                + "token=" + token + "\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The run that holds a lock, as its file says. */
    record Holder(String host, String pid, String started, String token, long heartbeat) {
        String describe() {
            return "host " + host + ", pid " + pid + ", started " + started;
        }
    }

    /** The lock's owner and heartbeat, or null when there is no lock file. */
    static Holder read(FileSystem fs, Path file) throws IOException {
        FileStatus status;
        Properties p = new Properties();
        try {
            status = fs.getFileStatus(file);
            try (InputStream in = fs.open(file)) {
                p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
        } catch (FileNotFoundException e) {
            return null;
        }
        return new Holder(p.getProperty("host", "?"), p.getProperty("pid", "?"), p.getProperty("started", "?"),
                p.getProperty("token", ""), status.getModificationTime());
    }

    /** The lock file, fully qualified. */
    public Path file() {
        return file;
    }

    private void beat() {
        try {
            long now = System.currentTimeMillis();
            try {
                fs.setTimes(file, now, -1);
            } catch (UnsupportedOperationException e) {
                // A file system without setTimes (some object stores): rewriting the file refreshes its time.
                Holder h = read(fs, file);
                if (h != null && h.token.equals(token)) {
                    try (OutputStream out = fs.create(file, true)) {
                        out.write(owner(token));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // The next beat tries again; a lock missing its beats for STALE_MILLIS may be taken over.
        }
    }

    /** Stops the heartbeat and removes the lock file if it is still this run's. Idempotent. */
    private synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        heartbeat.shutdownNow();
        try {
            Holder h = read(fs, file);
            if (h != null && h.token.equals(token)) {
                fs.delete(file, false);
            }
        } catch (IOException | RuntimeException e) {
            // Left behind: it goes stale and the next run takes it over.
        }
    }

    @Override
    public void close() {
        release();
        try {
            ShutdownHookManager.get().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook has run or will find the lock released
        }
    }
}
