package io.viewkeeper.frontend;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Stat;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/** The one place where storage types and jute records meet. */
final class JuteConvert {

    private JuteConvert() {
    }

    static org.apache.zookeeper.data.Stat stat(Stat s) {
        return new org.apache.zookeeper.data.Stat(s.czxid(), s.mzxid(), s.ctime(), s.mtime(), s.version(),
                s.cversion(), s.aversion(), s.ephemeralOwner(), s.dataLength(), s.numChildren(), s.pzxid());
    }

    static List<Acl> acl(List<ACL> acl) {
        if (acl == null) {
            return null;
        }
        List<Acl> result = new ArrayList<>(acl.size());
        for (ACL entry : acl) {
            Id id = entry.getId();
            result.add(new Acl(entry.getPerms(), id == null ? null : id.getScheme(), id == null ? null : id.getId()));
        }
        return result;
    }

    static List<ACL> jute(List<Acl> acl) {
        List<ACL> result = new ArrayList<>(acl.size());
        for (Acl entry : acl) {
            result.add(new ACL(entry.perms(), new Id(entry.scheme(), entry.id())));
        }
        return result;
    }
}
