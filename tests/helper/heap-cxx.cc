// A C++ program for `perfops heap`: std::thread and exceptions, which
// make libstdc++ allocate its emergency exception pool at start-up (a
// block it frees only in __gnu_cxx::__freeres, as Valgrind calls it).
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

int main()
{
	std::vector<std::thread> t;

	for (int i = 0; i < 2; i++)
		t.emplace_back(work, 100);
	for (auto &x : t)
		x.join();
	return 0;
}
