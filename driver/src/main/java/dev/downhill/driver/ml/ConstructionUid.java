package dev.downhill.driver.ml;

/**
 * Hands a Java stage its uid while its Spark ML superclasses are constructed. Those Scala classes create their
 * {@code Param}s in their constructors, and a Param asks its parent for its uid; a Java subclass cannot set a
 * field before the superclass constructor runs, so the uid waits here (per thread) until the stage's own
 * {@code uid} field is set.
 */
final class ConstructionUid {
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private ConstructionUid() {}

    /** Called in the argument list of {@code this(...)}, so before any superclass constructor runs. */
    static Void announce(String uid) {
        if (uid == null || uid.isEmpty()) {
            throw new IllegalArgumentException("a stage needs a uid");
        }
        CURRENT.set(uid);
        return null;
    }

    static String current() {
        String uid = CURRENT.get();
        if (uid == null) {
            throw new IllegalStateException("uid asked for outside a stage's construction");
        }
        return uid;
    }

    static void done() {
        CURRENT.remove();
    }
}
