package io.example.chat;

/** Common words only: without a distinctive legacy name nearby they are not reported. */
class Worker {
    void run(Thread thread, android.view.View view, Listener listener) {
        thread.start();
        view.setBackground(null);
        listener.onError("x", 1, "y");
    }
}
