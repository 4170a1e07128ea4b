package io.viewkeeper.consensus;
import java.util.Set;
public class Probe {
  public static void main(String[] a) throws Exception {
    long s = Long.parseLong(a[0]);
    var o = SimulationRunner.run(s, Set.of());
    System.out.println(o.failure());
    System.out.println(SimulationRunner.writeTrace(o, Set.of(), java.nio.file.Path.of("/tmp/traces")));
  }
}
