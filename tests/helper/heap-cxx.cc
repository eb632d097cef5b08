// A C++ program for `perfops heap`: std::thread and exceptions, which
// make libstdc++ allocate its emergency exception pool at start-up (a
// block it frees only in __gnu_cxx::__freeres, as Valgrind calls it).
//   heap-cxx [THREADS [N]]   THREADS threads (default 2) each throw and
//                            catch N exceptions (default 100)
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

static void work(int n)
{
	for (int i = 0; i < n; i++) {
		try {
			throw std::runtime_error(std::string(100, 'x'));
		} catch (const std::exception &e) {
		}
		std::vector<int> v(1000);
	}
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2;
	int n = argc > 2 ? atoi(argv[2]) : 100;
	std::vector<std::thread> t;

	for (int i = 0; i < threads; i++)
		t.emplace_back(work, n);
	for (auto &x : t)
		x.join();
	return 0;
}
