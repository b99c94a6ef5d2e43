// A tiny JVM daemon for the service tests: prints a tick every second.
public class Tick {
	public static void main(String[] args) throws InterruptedException {
		for (long n = 0;; n++) {
			System.out.println("tick " + n);
			Thread.sleep(1000);
		}
	}
}
