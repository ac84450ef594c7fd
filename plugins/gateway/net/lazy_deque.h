// A FIFO with the part of std::deque's interface the gateway uses, holding no memory while empty.
// libstdc++'s std::deque allocates a 512-byte node plus its map even when default constructed and
// keeps a node after being drained; an idle MQTT connection has three such queues (write queue,
// inbound publishes, session queue): ~1.7 KB of the ~7 KB it took on a fresh server
// (docs/performance.md, massif).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <utility>

namespace herald::gateway {

template <class T>
class LazyDeque {
 public:
  using iterator = typename std::deque<T>::iterator;
  using const_iterator = typename std::deque<T>::const_iterator;

  bool empty() const { return !items_ || items_->empty(); }
  std::size_t size() const { return items_ ? items_->size() : 0; }
  void push_back(T value) {
    if (!items_) items_ = std::make_unique<std::deque<T>>();
    items_->push_back(std::move(value));
  }
  // Like std::deque, front(), pop_front(), operator[] and erase() need a non-empty queue.
  T& front() { return items_->front(); }
  const T& front() const { return items_->front(); }
  T& operator[](std::size_t i) { return (*items_)[i]; }
  void pop_front() { items_->pop_front(); }
  iterator erase(iterator it) { return items_->erase(it); }
  // Value-initialised iterators compare equal, so an empty queue iterates nothing.
  iterator begin() { return items_ ? items_->begin() : iterator(); }
  iterator end() { return items_ ? items_->end() : iterator(); }
  const_iterator begin() const { return items_ ? const_iterator(items_->begin()) : const_iterator(); }
  const_iterator end() const { return items_ ? const_iterator(items_->end()) : const_iterator(); }
  void clear() { items_.reset(); }
  // Gives the memory back once drained (call where a queue usually stays empty afterwards).
  void release_if_empty() {
    if (items_ && items_->empty()) items_.reset();
  }

 private:
  std::unique_ptr<std::deque<T>> items_;
};

}  // namespace herald::gateway
