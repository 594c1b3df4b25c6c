package dev.sva.event;

class ListThenWatchH2Test extends ListThenWatchTests {
}
