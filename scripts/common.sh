# Shared by the scripts: where things are, the JVM flags Spark 4 needs on JDK 17, and building on demand.
# shellcheck shell=bash
DOWNHILL_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Same list as spark.jdk17.flags in pom.xml (see ../shared/notes/spark-on-jdk17.md).
SPARK_JDK17_FLAGS=(-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true)

# Stay on loopback in local mode unless the user says otherwise (downhill-submit undoes this for a remote master).
[[ -n ${SPARK_LOCAL_IP:-} ]] || DOWNHILL_LOOPBACK_DEFAULTED=1
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
export SPARK_LOCAL_HOSTNAME="${SPARK_LOCAL_HOSTNAME:-127.0.0.1}"

# Prints the application jar, building it first when it is missing or older than a source file.
downhill_jar() {
    local jar="$DOWNHILL_HOME/driver/target/downhill-driver-0.1.0-SNAPSHOT.jar"
    local cp="$DOWNHILL_HOME/driver/target/local-classpath.txt"
    if [[ ! -f $jar || ! -f $cp || -n $(find "$DOWNHILL_HOME/pom.xml" "$DOWNHILL_HOME/worker-core" \
            "$DOWNHILL_HOME/driver/pom.xml" "$DOWNHILL_HOME/driver/src/main" -newer "$jar" -type f \
            \( -name '*.java' -o -name '*.proto' -o -name 'pom.xml' -o -path '*/resources/*' \) 2>/dev/null | head -n 1) ]]; then
        if [[ -n ${DOWNHILL_NO_BUILD:-} ]]; then
            # Tests run the scripts from inside a Maven build: building again there would race with it.
            echo "downhill: $jar is missing or older than the sources, and DOWNHILL_NO_BUILD is set" >&2
            return 1
        fi
        echo "downhill: building (mvn package, tests skipped) ..." >&2
        # Maven 3.8 prints colour resets even in batch mode; strip them.
        (cd "$DOWNHILL_HOME" && mvn -q -B -ntp -Dstyle.color=never -DskipTests package) 2>&1 \
            | sed 's/\x1b\[[0-9;]*m//g' >&2 \
            || { echo "downhill: the build failed (see above)" >&2; return 1; }
    fi
    echo "$jar"
}

# The classpath for running in this JVM: the application jar plus Spark and its dependencies.
downhill_classpath() {
    local jar
    jar="$(downhill_jar)" || return 1
    echo "$jar:$(cat "$DOWNHILL_HOME/driver/target/local-classpath.txt")"
}

# Turns a Spark-style memory size (8g, 512m, 2gb; a unit is required) into the JVM's -Xmx value, or says why not.
downhill_heap_flag() {
    local size=${1,,}
    if [[ $size =~ ^([0-9]+)([kmgt])b?$ ]]; then
        echo "${BASH_REMATCH[1]}${BASH_REMATCH[2]}"
    else
        echo "downhill: error: --driver-memory '$1' is not a size: give a number and a unit, e.g. 8g or 512m" >&2
        return 1
    fi
}
