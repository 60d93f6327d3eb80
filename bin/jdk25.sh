# Sourced by bin/build and bin/bypass: finds a Java 25 or newer.
#
# find_java_home [need_javac] prints the first home, of $BYPASS_JAVA_HOME, $JAVA_HOME, the
# JDK of the `java` on PATH, /usr/lib/jvm/*, whose java is version 25 or newer (and that has
# javac, when asked); it returns 1 when there is none.

java_major() {  # prints the feature version of the Java at home $1, or nothing
  local v
  [ -x "$1/bin/java" ] || return 0
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  echo "${v%%.*}"
}

find_java_home() {
  local need_javac=${1:-} c m on_path=""
  if command -v java >/dev/null 2>&1; then
    on_path=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  fi
  for c in "${BYPASS_JAVA_HOME:-}" "${JAVA_HOME:-}" "$on_path" /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -d "$c" ] || continue
    [ -z "$need_javac" ] || [ -x "$c/bin/javac" ] || continue
    m=$(java_major "$c")
    if [ -n "$m" ] && [ "$m" -ge 25 ]; then echo "$c"; return 0; fi
  done
  return 1
}

no_java_25() {  # the message when find_java_home fails; $1 names the tool
  cat >&2 <<MSG
$1: no Java 25 or newer found (looked at \$BYPASS_JAVA_HOME, \$JAVA_HOME, the java on PATH and /usr/lib/jvm/*).
Bypass needs Java 25 (java.lang.foreign). Install one, e.g. on Debian:
    apt-get install temurin-25-jdk
or point BYPASS_JAVA_HOME at an installed JDK 25.
MSG
}
