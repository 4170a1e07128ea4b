package io.viewkeeper.storage;

/** ZooKeeper's znode path rules ({@code PathUtils.validatePath}); a path that breaks one is BadArguments. */
public final class PathRules {

    private PathRules() {
    }

    public static boolean isValid(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        if (path.length() == 1) {
            return true;
        }
        if (path.charAt(path.length() - 1) == '/') {
            return false;
        }
        int segmentStart = 1;
        for (int i = 1; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                if (!validSegment(path, segmentStart, i)) {
                    return false;
                }
                segmentStart = i + 1;
                continue;
            }
            if (forbidden(path.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean validSegment(String path, int from, int to) {
        int length = to - from;
        if (length == 0) {
            return false;
        }
        if (length == 1 && path.charAt(from) == '.') {
            return false;
        }
        return !(length == 2 && path.charAt(from) == '.' && path.charAt(from + 1) == '.');
    }

    private static boolean forbidden(char c) {
        return c <= '\u001f' || (c >= '\u007f' && c <= '\u009f') || (c >= '\ud800' && c <= '\uf8ff')
                || c >= '\ufff0';
    }

    /** The parent of a path ("/" for top-level nodes). */
    public static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    public static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    public static String childPath(String parent, String name) {
        return parent.equals("/") ? "/" + name : parent + "/" + name;
    }

    /** The nodes a ZooKeeper server refuses to delete. */
    public static boolean isSpecial(String path) {
        return path.equals("/") || path.equals("/zookeeper") || path.equals("/zookeeper/quota")
                || path.equals("/zookeeper/config");
    }
}
