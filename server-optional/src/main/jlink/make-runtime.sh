#!/bin/sh
# Makes the Java runtime of the container image: jlink with the modules in modules.txt and the default JVM options in
# jvm-options.txt, once jdeps has shown that the runnable jar needs no other module. The one library the runtime
# needs beyond the image's base (glibc, libgcc and libstdc++ of Debian 12) is zlib: it goes into the runtime's lib/,
# where bin/java, libjli.so and libzip.so look first (their run path is $ORIGIN).
#
# server-optional/Dockerfile runs it in its jlink stage; RuntimeImageTest runs it on the build machine's JDK and starts
# the server from the result.
#
#   sh server-optional/src/main/jlink/make-runtime.sh server-optional/target/memcached4j-server.jar OUTPUT_DIRECTORY
#
# Environment: JAVA_HOME (the JDK whose jdeps and jlink run; default: those on the PATH).
set -eu

if [ $# -ne 2 ]; then
    echo "usage: make-runtime.sh JAR OUTPUT_DIRECTORY" >&2
    exit 64
fi
jar=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
bin=${JAVA_HOME:+$JAVA_HOME/bin/}

# the lines of a file that are neither comments nor blank, joined by $2
lines() {
    sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1" | paste -sd "$2" -
}
modules=$(lines "$here/modules.txt" ,)
options=$(lines "$here/jvm-options.txt" ' ')

needed=$("${bin}jdeps" --print-module-deps --ignore-missing-deps --multi-release 17 "$jar")
missing=
for module in $(echo "$needed" | tr ',' ' '); do
    case ",$modules," in
        *",$module,"*) ;;
        *) missing="$missing $module" ;;
    esac
done
if [ -n "$missing" ]; then
    echo "make-runtime.sh: $jar needs$missing, which $here/modules.txt does not list" >&2
    exit 1
fi

"${bin}jlink" --add-modules "$modules" --add-options "$options" \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out"

zlib=$(ldd "$out/bin/java" | awk '$1 == "libz.so.1" { print $3 }')
if [ -n "$zlib" ]; then
    if [ ! -f "$zlib" ]; then
        echo "make-runtime.sh: $out/bin/java needs libz.so.1, which is not installed" >&2
        exit 1
    fi
    cp -L "$zlib" "$out/lib/libz.so.1"
fi
