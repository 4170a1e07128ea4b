package io.viewkeeper.consensus;
import java.util.Set;
public class Probe {
  public static void main(String[] a) throws Exception {
    if (a.length > 0) {
      long s = Long.parseLong(a[0]);
      Set<PlantedBug> bugs = a.length > 1 ? Set.of(PlantedBug.valueOf(a[1])) : Set.of();
      var o = SimulationRunner.run(s, bugs);
      System.out.println(o.failure());
      System.out.println(SimulationRunner.writeTrace(o, bugs, java.nio.file.Path.of("/tmp/traces")));
      return;
    }
    for (PlantedBug bug : PlantedBug.values()) {
      int found = 0; long first = -1;
      java.util.Map<String,Integer> kinds = new java.util.TreeMap<>();
      for (long s = 1; s <= 1000; s++) {
        var o = SimulationRunner.run(s, Set.of(bug));
        if (o.failed()) { found++; if (first < 0) first = s; kinds.merge(o.failure().kind(), 1, Integer::sum); }
      }
      System.out.println(bug + " found in " + found + "/200, first seed " + first + " " + kinds);
    }
  }
}
