// Package footprint measures what the three monitor binaries cost a compute
// node while nothing fails: resident memory and idle CPU. It has no code of
// its own, only a benchmark that builds and runs the real binaries against
// the real RabbitMQ and prints a table (`make bench`).
package footprint
